import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './poll.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The controller as a real process, started the way `npm start` does. */
export interface ControllerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Spawns `node --import tsx controller/main.ts ARGS` with extra environment. */
export function spawnController(args: string[], env: Record<string, string> = {}): ControllerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Waits for the 'started' log line (the start is over: runs resumed, the
 * bootstrap token printed) and returns the port of the 'listening' line
 * before it.
 */
export async function startedPort(proc: ControllerProcess, timeoutMs = 30_000): Promise<number> {
  return waitFor('the controller to start', async () => {
    let port: number | undefined;
    for (const line of proc.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening' && entry.port) port = entry.port;
      if (entry.msg === 'started' && port) return port;
    }
    if (proc.child.exitCode !== null) throw new Error(`controller exited: ${proc.stderr()}`);
    return undefined;
  }, timeoutMs).catch((err: unknown) => {
    throw new Error(`${String(err)}; its last output: ${proc.stdout().slice(-2_000)}${proc.stderr().slice(-2_000)}`, { cause: err });
  });
}
