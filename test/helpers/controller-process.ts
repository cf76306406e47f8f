import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './poll.js';
import { selectRows } from './sql.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The controller as a real process, started the way `npm start` does. */
export interface ControllerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Runs `node --import tsx controller/main.ts ARGS` with extra environment to its exit: for options it refuses before starting. */
export function runControllerToExit(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'controller/main.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
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

/**
 * The id a controller process tags its VMs with (for killing its local VMs after the test): from its PostgreSQL
 * database, or on SQLite from a local VM it made in its data dir (undefined when it made none).
 */
export async function controllerIdOf(dataDir: string, postgresUrl: string | undefined): Promise<string | undefined> {
  if (postgresUrl) {
    const [row] = await selectRows(postgresUrl, `select value from controller_secrets where name = 'controller-id'`, []);
    return typeof row?.value === 'string' ? row.value : undefined;
  }
  for (const run of readdirSync(join(dataDir, 'local-vms'))) {
    for (const instance of readdirSync(join(dataDir, 'local-vms', run))) {
      const vm = JSON.parse(readFileSync(join(dataDir, 'local-vms', run, instance, 'vm.json'), 'utf8')) as { tags: { controllerId: string } };
      return vm.tags.controllerId;
    }
  }
  return undefined;
}
