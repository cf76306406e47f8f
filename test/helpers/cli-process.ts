/**
 * Test helper: the `slipstream` CLI as a user runs it, in its own process
 * (`node --import tsx client/cli/bin.ts ...`), against the controller(s) at
 * `address` (comma-separated for replicas), with its own config file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** How a CLI process ended: its exit code and everything it wrote. */
export interface CliExit {
  code: number | null;
  out: string;
  err: string;
}

/** A running CLI process; `stdout()`/`stderr()` read what it wrote so far. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<CliExit>;
}

/** Starts `slipstream ARGS` with SLIPSTREAM_ADDR, SLIPSTREAM_TOKEN and a config file in `configDir`. */
export function spawnCli(args: string[], address: string, token: string, configDir: string): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/cli/bin.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, SLIPSTREAM_ADDR: address, SLIPSTREAM_TOKEN: token, SLIPSTREAM_CONFIG: join(configDir, 'config.yaml') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<CliExit>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  return { child, stdout: () => out, stderr: () => err, exited };
}
