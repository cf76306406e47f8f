/**
 * Propagation across replicas: a value set through the API (stamped with the
 * machine-wide monotonic clock) until the agent's pending `ss-get` of it
 * returns, the set made through a replica that does not own the run (it goes
 * to the owner through run_requests) beside the same set made through the
 * owner. Two agents wait, one for each way (pong.1 is set through the owner,
 * pong.2 through the other replica); the sets alternate between them, one at
 * a time, so both ways see the same machine.
 *
 * A run's agents all sit on its owner (a replica redirects them there), so
 * the hop across replicas in this design is API -> owner, never owner ->
 * agent.
 */
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { BenchReplicas, ReplicaPool } from '../lib/bench-replicas.js';
import { percentile, type BenchContext } from '../lib/context.js';
import { info } from '../lib/figures.js';
import { launch, waitForState } from '../lib/runs.js';

const SCENARIO = 'replica propagation';
/** After each set returns, before the next: the agent is back in its next `ss-get` well before, so no set waits for the agent. */
const GAP_MS = 20;

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

export async function replicaPropagation(ctx: BenchContext, bench: BenchReplicas, agents: ReplicaPool, samples: number): Promise<void> {
  const { set, db } = bench;
  const keys = numbered('q', samples);
  const client = set.replicas.find((r) => r.alive())!.client;
  await client.modules.save({
    kind: 'component',
    path: 'bench/api-pong',
    images: { sim: 'sim' },
    resources: {},
    recipes: { deployment: [`sim-repeat ${samples}`, '  sim-latency q{i}', 'sim-end', 'sim-publish-latencies latencies'].join('\n') },
    parameters: [...keys.map((name) => ({ name, category: 'input' as const, type: 'string' as const })), { name: 'latencies', category: 'output', type: 'string' }],
  });
  await client.modules.save({
    kind: 'application',
    path: 'bench/api-propagation',
    nodes: [{ name: 'pong', component: 'bench/api-pong', multiplicity: 2, cloud: 'sim', maxProvisioningFailures: 0, mappings: {} }],
  });
  const runId = await launch(client, 'bench/api-propagation', {});
  const owner = set.byId((await set.holderOf(runId)).holder!);
  const other = set.replicas.find((r) => r.alive() && r !== owner);
  if (!other) throw new Error(`${SCENARIO}: needs a live replica besides the owner`);
  ctx.log(`${SCENARIO}: ${samples} sets through the owner (replica ${owner.index}) and ${samples} through replica ${other.index}, alternating`);

  await waitForState(db, runId, 'Executing', 60_000);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const records = await agents.pool.records([`${runId}/pong.1`, `${runId}/pong.2`]);
    const started = records.filter((r) => r.events.some((e) => e[0] === 'phase-started' && e[1] === RunState.RUN_STATE_EXECUTING));
    if (started.length === 2) break;
    if (Date.now() > deadline) throw new Error(`${SCENARIO}: the agents did not start their deployment phase within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Their first ss-get is under way by now, or the first samples read a little long.
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 1; i <= samples; i++) {
    for (const [instance, via] of [['pong.1', owner], ['pong.2', other]] as const) {
      await via.client.runs.setParameter(runId, `${instance}:q${i}`, String(process.hrtime.bigint() / 1000n));
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
  }
  await waitForState(db, runId, 'Ready', 60_000);
  const latencies = async (instance: string) => {
    const { rows } = await db.query<{ value: string }>('select value from run_parameters where run_id = $1 and key = $2', [runId, `${instance}:latencies`]);
    return (rows[0]?.value ?? '').split(',').filter(Boolean).map((v) => Number(v) / 1000).sort((a, b) => a - b);
  };
  const viaOwner = await latencies('pong.1');
  const viaOther = await latencies('pong.2');
  const base = (p: number) => ({ name: `through the owner, p${p}`, value: percentile(viaOwner, p), unit: 'ms' });
  const connected = agents.pool.list().length;
  ctx.figures.push(info(SCENARIO, `API set -> pending ss-get returns, through a non-owner (run_requests), p50 (${connected} agents connected)`, percentile(viaOther, 50), 'ms', base(50)));
  ctx.figures.push(info(SCENARIO, `  p99`, percentile(viaOther, 99), 'ms', base(99)));
  ctx.figures.push(info(SCENARIO, `  through the owner, p50`, percentile(viaOwner, 50), 'ms'));
  ctx.figures.push(info(SCENARIO, `  through the owner, p99`, percentile(viaOwner, 99), 'ms'));
  ctx.figures.push(info(SCENARIO, `  samples each way (agents sit on the owner: the hop across replicas is API -> owner)`, Math.min(viaOwner.length, viaOther.length), ''));
}
