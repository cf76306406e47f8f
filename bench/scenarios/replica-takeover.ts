/**
 * Takeover: a replica that drives every run of a fleet dies (SIGKILL); how
 * long until every run is held by a live replica again, and until every
 * agent was welcomed again (by its run's new owner), against the lease.
 *
 * The fleet's agents must know the survivors' addresses: a VM's agent is
 * given the replicas live when it was provisioned, so the victim cannot be
 * alone when it provisions. B and C start first and are given ballast runs
 * (one idle agent each) so that the victim, started next, is the least
 * loaded replica for every run of the fleet.
 */
import type { SimAgentRecord } from '../../controller/connectors/sim/sim-protocol.js';
import type { ReplicaSet } from '../../test/helpers/replicas.js';
import { LEASE_SECONDS, waitForAll, type BenchReplicas, type ReplicaPool } from '../lib/bench-replicas.js';
import { checkAcknowledged } from '../lib/checks.js';
import type { BenchContext } from '../lib/context.js';
import { atMost, exactly, info } from '../lib/figures.js';
import { launch } from '../lib/runs.js';

const SCENARIO = 'replica takeover';
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

/** Runs whose holder is a live serving replica other than `victim`. */
async function ownedElsewhere(bench: BenchReplicas, runIds: readonly string[], victim: string): Promise<number> {
  const { rows } = await bench.db.query<{ n: string }>(
    `select count(*) as n from runs r join controller_replicas c on c.id = r.lease_holder
      where r.id = any($1) and c.id <> $2 and c.state = 'serving'`,
    [runIds, victim],
  );
  return Number(rows[0]!.n);
}

/** Launches `count` one-agent runs, to weigh on the replicas live now in the least-loaded placement. */
async function ballast(set: ReplicaSet, bench: BenchReplicas, count: number): Promise<void> {
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) runIds.push(await launch(set.replicas[i % set.replicas.length]!.client, 'bench/deploy', { w: 1 }));
  await waitForAll(bench.db, runIds, 'Ready', 60_000);
}

export async function replicaTakeover(ctx: BenchContext, bench: BenchReplicas, agents: ReplicaPool, options: { runs: number; agentsPerRun: number }): Promise<void> {
  const { set, db } = bench;
  const n = options.runs * options.agentsPerRun;
  ctx.log(`${SCENARIO}: ballast on the survivors, then ${options.runs} runs x ${options.agentsPerRun} on the victim`);
  // Ties are broken at random: the survivors must hold strictly more live runs than the victim at each of its launches.
  await ballast(set, bench, 2 * options.runs);
  const victim = await set.add();
  const runIds: string[] = [];
  for (let i = 0; i < options.runs; i++) runIds.push(await launch(victim.client, 'bench/deploy', { w: options.agentsPerRun }));
  const misplaced = (await Promise.all(runIds.map((id) => set.holderOf(id)))).filter((lease) => lease.holder !== victim.replicaId).length;
  if (misplaced > 0) throw new Error(`${SCENARIO}: ${misplaced} of ${options.runs} runs were not placed on the victim`);
  await waitForAll(db, runIds, 'Ready', Math.max(120_000, n * 60));

  ctx.log(`${SCENARIO}: SIGKILL of the replica driving ${n} agents (lease ${LEASE_SECONDS} s)`);
  const killedAt = nowMicros();
  victim.proc.child.kill('SIGKILL');
  let ownedMs = Number.NaN;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (Number.isNaN(ownedMs) && (await ownedElsewhere(bench, runIds, victim.replicaId)) === runIds.length) ownedMs = (nowMicros() - killedAt) / 1000;
    const counts = await Promise.all(runIds.map((id) => agents.pool.welcomedSince(`${id}/`, killedAt)));
    if (!Number.isNaN(ownedMs) && counts.every((c) => c.welcomed === options.agentsPerRun)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const keys = runIds.flatMap((id) => Array.from({ length: options.agentsPerRun }, (_, i) => `${id}/w.${i + 1}`));
  const records: SimAgentRecord[] = await agents.pool.records(keys);
  const welcomes = records.map((r) => r.events.filter((e) => e[0] === 'welcomed' && e[3] > killedAt).at(-1)?.[3] ?? Number.NaN);
  const resumed = welcomes.filter((w) => Number.isFinite(w)).length;
  const lastWelcomeMs = (Math.max(...welcomes) - killedAt) / 1000;

  const lease = { name: `lease ${LEASE_SECONDS} s`, value: LEASE_SECONDS * 1000, unit: 'ms' };
  const target = (LEASE_SECONDS + 5) * 1000;
  ctx.figures.push(atMost(SCENARIO, `every run held by a live replica again, ${options.runs} runs, from SIGKILL`, ownedMs, 'ms', target, lease));
  ctx.figures.push(atMost(SCENARIO, `every agent welcomed again, ${n} agents, from SIGKILL`, lastWelcomeMs, 'ms', target, lease));
  ctx.figures.push(info(SCENARIO, `  lease (--lease-seconds)`, LEASE_SECONDS, 's'));
  ctx.figures.push(exactly(SCENARIO, `agents not welcomed again`, n - resumed, 'agents', 0));
  const problems: string[] = [];
  for (const id of runIds) problems.push(...(await checkAcknowledged(db, id, records.filter((r) => r.tags.runId === id))));
  ctx.figures.push(exactly(SCENARIO, `duplicate phases, agents given up, lost data`, problems.length, 'items', 0));
  ctx.dataLoss.push(...problems.slice(0, 20));
}
