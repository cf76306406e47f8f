/**
 * Controller replicas for the replica scenarios: `--ha` processes
 * (test/helpers/replicas.ts) on a fresh PostgreSQL database each, whose
 * `sim` cloud is one pool of agent workers in the bench process, served to
 * them over loopback, so that the agents outlive a replica that is killed.
 */
import pg from 'pg';
import { SimPool } from '../../controller/connectors/sim/sim-pool.js';
import { SimPoolServer } from '../../controller/connectors/sim/sim-pool-server.js';
import { startReplicas, type ReplicaSet } from '../../test/helpers/replicas.js';
import { saveBenchModules } from './sim-modules.js';

/** The agents' pool, shared by every replica set of the scenario (one set at a time). */
export interface ReplicaPool {
  pool: SimPool;
  server: SimPoolServer;
  close(): Promise<void>;
}

export async function startReplicaPool(workers: number): Promise<ReplicaPool> {
  const pool = SimPool.start({ workers });
  const server = await SimPoolServer.start(pool);
  return {
    pool,
    server,
    async close() {
      await server.close();
      await pool.close();
    },
  };
}

/** A replica set with the bench modules saved and a connection for the bench's own reads. */
export interface BenchReplicas {
  set: ReplicaSet;
  db: pg.Client;
  /** Kills the replicas, stops their runs' sim VMs and drops the database. */
  stop(): Promise<void>;
}

/** The replicas' default lease: what a takeover is measured against. */
export const LEASE_SECONDS = 10;

export async function startBenchReplicas(
  agents: ReplicaPool,
  count: number,
  modules: { samples: number; throughputRounds: number },
): Promise<BenchReplicas> {
  // 'info': the helper learns each replica's ports from its 'listening' and 'started' lines.
  const set = await startReplicas(count, { leaseSeconds: LEASE_SECONDS, env: { SLIPSTREAM_SIM_POOL_URL: agents.server.url } });
  const db = new pg.Client({ connectionString: set.databaseUrl });
  try {
    await db.connect();
    await saveBenchModules(set.replicas[0]!.client, modules);
  } catch (err) {
    await db.end().catch(() => undefined);
    await set.stop();
    throw err;
  }
  return {
    set,
    db,
    async stop() {
      const { rows } = await db.query<{ id: string }>('select id from runs');
      await db.end().catch(() => undefined);
      await set.stop();
      // The VMs outlive their controllers: without this, their agents would keep dialling dead replicas through the next set.
      const runIds = new Set(rows.map((r) => r.id));
      await Promise.all(agents.pool.list().filter((vm) => runIds.has(vm.tags.runId)).map((vm) => agents.pool.stopVm(vm.vmId)));
    },
  };
}

/** Polls until every run is in `state`; throws on a final state or the deadline. */
export async function waitForAll(db: pg.Client, runIds: readonly string[], state: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ id: string; state: string; abort_message: string | null }>('select id, state, abort_message from runs where id = any($1)', [runIds]);
    const ended = rows.find((r) => ['Done', 'Aborted', 'Cancelled'].includes(r.state));
    if (ended) throw new Error(`run ${ended.id} ended ${ended.state}${ended.abort_message ? `: ${ended.abort_message}` : ''}`);
    if (rows.length === runIds.length && rows.every((r) => r.state === state)) return;
    if (Date.now() > deadline) throw new Error(`runs not all ${state} within ${timeoutMs} ms (${rows.map((r) => r.state).join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How many of the runs each replica holds, by replica index ('r0: 4, r1: 3, ...'). */
export async function holdersOf(bench: BenchReplicas, runIds: readonly string[]): Promise<Map<number, number>> {
  const { rows } = await bench.db.query<{ lease_holder: string | null }>('select lease_holder from runs where id = any($1)', [runIds]);
  const counts = new Map<number, number>();
  for (const row of rows) {
    const index = row.lease_holder ? bench.set.byId(row.lease_holder).index : -1;
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  return counts;
}
