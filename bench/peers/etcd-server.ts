/**
 * A throwaway single-member etcd for the bench's peer figures: started only
 * when an `etcd` binary is on PATH, on 127.0.0.1 with free ports, its data in
 * a fresh temporary directory; stop() kills it and removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../../test/helpers/free-port.js';
import { stopChild } from '../baselines/common.js';

export interface EtcdServer {
  /** host:port of the client URL, as the etcd3 client takes it. */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Kills etcd and removes its data dir; resolves once both are gone. */
  stop(): Promise<void>;
}

/** The first executable `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const STARTUP_MS = 30_000;

/** Starts etcd and resolves once it answers /health; undefined when etcd is not installed. */
export async function startEtcd(): Promise<EtcdServer | undefined> {
  const binary = onPath('etcd');
  if (!binary) return undefined;
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  // On disk, not /dev/shm: etcd fsyncs its WAL on every commit as PostgreSQL fsyncs its own, and the two figures
  // only compare if both pay for the same storage. Here tmpdir() is /tmp on the root ext4 that also holds
  // /var/lib/postgresql.
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-bench-etcd-'));
  const args = [
    '--name=bench',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=bench=${peerUrl}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
  ];
  // setpriv --pdeathsig: the kernel kills etcd when the bench dies, even by SIGKILL, where no exit handler runs.
  const setpriv = onPath('setpriv');
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.on('error', () => undefined);
  // The last lines etcd wrote, for the error when it does not come up.
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2_000);
  });

  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  // A crash or process.exit() in the bench still runs 'exit' handlers: etcd never outlives it, nor does its dir.
  const onExit = () => {
    child.kill('SIGKILL');
    removeDir();
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    await stopChild(child);
    removeDir();
  };

  try {
    await untilHealthy(child, clientUrl, () => stderrTail);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `127.0.0.1:${clientPort}`, dataDir, pid: child.pid!, stop };
}

async function untilHealthy(child: ChildProcess, clientUrl: string, stderrTail: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`etcd exited before answering (code ${child.exitCode}, signal ${child.signalCode}): ${stderrTail()}`);
    }
    try {
      const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      const body = (await response.json()) as { health?: string };
      if (response.ok && body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  throw new Error(`etcd did not answer ${clientUrl}/health within ${STARTUP_MS} ms: ${stderrTail()}`);
}
