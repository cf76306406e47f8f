/** Captured streams for tests that call `run(deps, opts)` or `runCli`. */
import { Writable } from 'node:stream';
import type { SlipstreamClient } from '../index.js';
import type { CliDeps } from './deps.js';

/** A writable that keeps what was written. */
export class CapturedStream extends Writable {
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    callback();
  }

  /** Everything written so far. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Deps with captured stdout/stderr, plus readers of what was written. */
export interface TestDeps extends CliDeps {
  stdout: CapturedStream;
  stderr: CapturedStream;
  out(): string;
  err(): string;
}

/**
 * Deps for tests: not a TTY, an empty environment, and a `connect` that fails
 * unless the test gives one (a client of a real controller).
 */
export function createTestDeps(overrides: Partial<Omit<CliDeps, 'stdout' | 'stderr'>> = {}): TestDeps {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  return {
    isTTY: false,
    env: {},
    configPath: '/nonexistent/slipstream/config.yaml',
    connect: (): SlipstreamClient => {
      throw new Error('this test gave no connect()');
    },
    ...overrides,
    stdout,
    stderr,
    out: () => stdout.text(),
    err: () => stderr.text(),
  };
}
