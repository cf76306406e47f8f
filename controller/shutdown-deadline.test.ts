/**
 * armShutdownDeadline in a process of its own (it ends the process it runs
 * in): a shutdown step that never finishes ends in exit code 4 naming the
 * step, a main thread that never yields is SIGKILLed by the watchdog thread,
 * and a process that ends by itself is not held up by either.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_SHUTDOWN_OVERRAN, SHUTDOWN_MARGIN_MS } from './shutdown-deadline.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

/** Runs `body` after arming the deadline with `graceMs`; resolves with how the process ended, when, and its stderr. */
function armedProcess(graceMs: number, body: string): Promise<{ code: number | null; signal: string | null; ms: number; stderr: string }> {
  const script = `import { armShutdownDeadline } from './controller/shutdown-deadline.js';
    armShutdownDeadline(${graceMs}, () => 'closing the database');
    ${body}`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ms: Date.now() - started, stderr })));
}

describe('armShutdownDeadline', () => {
  it('exits with code 4 naming the stuck step once the grace period and the margin are over', async () => {
    // A step that never settles while something (a server, a pool) keeps the event loop alive.
    const ended = await armedProcess(0, 'setInterval(() => undefined, 1_000); await new Promise(() => undefined);');
    expect(ended).toMatchObject({ code: EXIT_SHUTDOWN_OVERRAN, signal: null });
    expect(ended.stderr).toBe(
      `slipstream-controller: shutdown overran its deadline of ${SHUTDOWN_MARGIN_MS} ms, stuck in step 'closing the database'; exiting with code 4\n`,
    );
    expect(ended.ms).toBeGreaterThanOrEqual(SHUTDOWN_MARGIN_MS);
    console.log(`stuck step: exit ${ended.code} after ${ended.ms} ms`);
  }, 60_000);

  it('has the watchdog thread SIGKILL a main thread that never returns to its event loop', async () => {
    const ended = await armedProcess(0, 'for (;;);');
    expect(ended).toMatchObject({ code: null, signal: 'SIGKILL', stderr: '' });
    expect(ended.ms).toBeGreaterThanOrEqual(SHUTDOWN_MARGIN_MS);
    console.log(`busy main thread: ${ended.signal} after ${ended.ms} ms`);
  }, 60_000);

  it('holds up no process that ends by itself', async () => {
    const ended = await armedProcess(60_000, 'setTimeout(() => undefined, 100);');
    expect(ended).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(ended.ms).toBeLessThan(60_000);
  }, 60_000);
});
