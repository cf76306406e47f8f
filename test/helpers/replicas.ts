/**
 * Test helper: N controller replicas (`--ha`) as real processes on one fresh
 * PostgreSQL database, sharing one data dir (so that any of them can drive
 * the `local` VMs of a run), each with a client, and what a failover test
 * reads straight from the database: who holds a run, and each replica's row.
 * A replica can be restarted in place (same arguments, same ports), as a
 * rolling restart does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { killLocalVms } from './controller.js';
import { spawnController, startedPort, type ControllerProcess } from './controller-process.js';
import { waitFor } from './poll.js';
import { createTemporaryDatabase, type TemporaryDatabase } from './postgres.js';
import { selectRows } from './sql.js';

/** One replica process and a client of its API (the same object across restarts: `proc` and `replicaId` change). */
export interface Replica {
  /** Its place in the set (0-based), for messages. */
  index: number;
  proc: ControllerProcess;
  port: number;
  /** Its id in controller_replicas (a restarted replica registers anew). */
  replicaId: string;
  client: SlipstreamClient;
  /** Whether the process has not exited. */
  alive(): boolean;
}

/** Who drives a run, as the database says. */
export interface RunLease {
  holder: string | null;
  epoch: number;
}

export interface ReplicaSet {
  replicas: Replica[];
  dataDir: string;
  databaseUrl: string;
  /** The bootstrap admin's token, the same for every replica. */
  token: string;
  leaseSeconds: number;
  /** runs.lease_holder and lease_epoch of a run. */
  holderOf(runId: string): Promise<RunLease>;
  /** The replica with this id in controller_replicas; throws for an unknown one. */
  byId(replicaId: string): Replica;
  /** The state column of a replica's row ('serving', 'gone', ...). */
  stateOf(replicaId: string): Promise<string | undefined>;
  /**
   * Stops a replica cleanly (SIGTERM, waits for its exit, expects 0) and
   * starts it again with the same arguments on the same ports; resolves
   * once it serves and every live replica has heartbeated since (so that
   * new VMs' agents are given its address again).
   */
  restart(replica: Replica): Promise<{ stoppedMs: number; startedMs: number }>;
  /**
   * Starts one more replica with the set's arguments (new ports); resolves
   * once it serves and every live replica has heartbeated since (so that
   * the agents of VMs provisioned from then on are given its address).
   */
  add(): Promise<Replica>;
  /** SELECT on the replicas' database (`?` placeholders). */
  select(statement: string, args?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Kills every replica still running, their local VMs, the database and the data dir. */
  stop(): Promise<void>;
}

export interface ReplicaSetOptions {
  /** --lease-seconds of every replica (default 3: failover tests stay fast). */
  leaseSeconds?: number;
  logLevel?: string;
  /** Extra environment of every replica (e.g. SLIPSTREAM_SIM_POOL_URL). */
  env?: Record<string, string>;
  /** Extra arguments of every replica, after the helper's own. */
  args?: string[];
}

/** The port of the agent bundle's server, from a replica's 'serving the agent bundle' log line. */
function bundlePort(proc: ControllerProcess): number | undefined {
  for (const line of proc.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'serving the agent bundle' && entry.url) return Number(new URL(entry.url).port);
  }
  return undefined;
}

/**
 * Starts `count` HA replicas on a fresh database and waits until each has
 * started and every one shows 'serving' in controller_replicas. The first
 * one starts alone (it migrates the database and bootstraps the operator),
 * the others together.
 */
export async function startReplicas(count: number, options: ReplicaSetOptions = {}): Promise<ReplicaSet> {
  const leaseSeconds = options.leaseSeconds ?? 3;
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-replicas-'));
  const token = newTokenSecret();
  const env = { ...options.env, SLIPSTREAM_BOOTSTRAP_TOKEN: token, SLIPSTREAM_CREDENTIAL_KEY: randomBytes(32).toString('base64') };
  const args = (database: string, listen = '127.0.0.1:0', httpListen = '127.0.0.1:0') => [
    '--ha',
    '--lease-seconds',
    String(leaseSeconds),
    '--database',
    database,
    '--data-dir',
    dataDir,
    '--listen',
    listen,
    '--http-listen',
    httpListen,
    '--insecure',
    '--log-level',
    options.logLevel ?? 'info',
    ...(options.args ?? []),
  ];
  let database: TemporaryDatabase | undefined;
  /** What each replica was started with, to start it again the same way. */
  const startArgs = new Map<Replica, string[]>();
  const procs: ControllerProcess[] = [];
  const replicas: Replica[] = [];
  const select = (statement: string, rowArgs: unknown[] = []) => selectRows(database!.url, statement, rowArgs);

  // Each replica gives new VMs' agents the replicas it saw live in its last round: one round after all serve, every
  // replica's list names them all (else a VM provisioned now could know one address only and be stranded by a kill).
  const heartbeatRound = async (serving: number) => {
    const [{ now }] = (await select(`select now() as now`)) as [{ now: Date }];
    await waitFor('a heartbeat round of every replica after all serve', async () => {
      const fresh = await select(`select count(*) as n from controller_replicas where state = 'serving' and heartbeat_at > ?`, [now]);
      return Number(fresh[0]?.n) === serving ? true : undefined;
    }, 15_000);
  };

  const stop = async () => {
    for (const replica of replicas) replica.client.close();
    for (const proc of procs) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) continue;
      // A SIGSTOPped process takes SIGKILL too; SIGCONT first so that nothing is left stopped should the kill be delayed.
      proc.child.kill('SIGCONT');
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    const controllerId = database && (await select(`select value from controller_secrets where name = 'controller-id'`).catch(() => []))[0]?.value;
    if (typeof controllerId === 'string') await killLocalVms(dataDir, controllerId);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    // Where a controller running as root puts its VMs' work dirs.
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  };

  /** Records a started replica and the arguments that start it again on the same ports. */
  const keep = (proc: ControllerProcess, port: number, replicaId: string): Replica => {
    const httpPort = bundlePort(proc);
    const replica: Replica = {
      index: replicas.length,
      proc,
      port,
      replicaId,
      client: createSlipstreamClient({ address: `127.0.0.1:${port}`, token }),
      alive: () => replica.proc.child.exitCode === null && replica.proc.child.signalCode === null,
    };
    replicas.push(replica);
    startArgs.set(replica, args(database!.url, `127.0.0.1:${port}`, httpPort === undefined ? '127.0.0.1:0' : `127.0.0.1:${httpPort}`));
    return replica;
  };

  try {
    database = await createTemporaryDatabase();
    const spawnOne = () => {
      const proc = spawnController(args(database!.url), env);
      procs.push(proc);
      return proc;
    };
    const first = spawnOne();
    const ports = [await startedPort(first)];
    const rest = Array.from({ length: count - 1 }, spawnOne);
    ports.push(...(await Promise.all(rest.map((proc) => startedPort(proc)))));
    const rows = await waitFor(
      `${count} replicas serving`,
      async () => {
        const serving = await select(`select id, pid from controller_replicas where state = 'serving'`);
        return serving.length === count ? serving : undefined;
      },
      30_000,
    );
    await heartbeatRound(count);
    procs.forEach((proc, index) => {
      const row = rows.find((r) => Number(r.pid) === proc.child.pid);
      if (!row) throw new Error(`replica ${index} (pid ${proc.child.pid}) has no serving row`);
      keep(proc, ports[index]!, String(row.id));
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    replicas,
    dataDir,
    databaseUrl: database.url,
    token,
    leaseSeconds,
    select,
    async holderOf(runId) {
      const [row] = await select(`select lease_holder, lease_epoch from runs where id = ?`, [runId]);
      if (!row) throw new Error(`no run ${runId}`);
      return { holder: (row.lease_holder as string | null) ?? null, epoch: Number(row.lease_epoch) };
    },
    byId(replicaId) {
      const replica = replicas.find((r) => r.replicaId === replicaId);
      if (!replica) throw new Error(`no replica of this set has id ${replicaId}`);
      return replica;
    },
    async stateOf(replicaId) {
      const [row] = await select(`select state from controller_replicas where id = ?`, [replicaId]);
      return row?.state as string | undefined;
    },
    async restart(replica) {
      const began = performance.now();
      replica.proc.child.kill('SIGTERM');
      const code = await replica.proc.exited;
      if (code !== 0) throw new Error(`replica ${replica.index} exited ${code} on SIGTERM: ${replica.proc.stderr()}`);
      const stoppedMs = performance.now() - began;
      const proc = spawnController(startArgs.get(replica)!, env);
      procs.push(proc);
      replica.proc = proc;
      const port = await startedPort(proc);
      if (port !== replica.port) throw new Error(`replica ${replica.index} came back on port ${port}, not ${replica.port}`);
      const row = await waitFor(`replica ${replica.index} to serve again`, async () => {
        const [serving] = await select(`select id from controller_replicas where state = 'serving' and pid = ?`, [proc.child.pid]);
        return serving;
      }, 30_000);
      replica.replicaId = String(row.id);
      await heartbeatRound(replicas.filter((r) => r.alive()).length);
      return { stoppedMs, startedMs: performance.now() - began - stoppedMs };
    },
    async add() {
      const proc = spawnController(args(database!.url), env);
      procs.push(proc);
      const port = await startedPort(proc);
      const row = await waitFor(`replica ${replicas.length} to serve`, async () => {
        const [serving] = await select(`select id from controller_replicas where state = 'serving' and pid = ?`, [proc.child.pid]);
        return serving;
      }, 30_000);
      const replica = keep(proc, port, String(row.id));
      await heartbeatRound(replicas.filter((r) => r.alive()).length);
      return replica;
    },
    stop,
  };
}
