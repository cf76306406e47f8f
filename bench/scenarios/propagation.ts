/**
 * Propagation: while a fleet is connected, ping sets p{i} (stamped with the
 * machine-wide monotonic clock) and pong, already waiting in `ss-get` on
 * q{i} (mapped from ping's p{i}), keeps the time until its get returned.
 */
import { percentile, type BenchContext } from '../lib/context.js';
import { atMost, info } from '../lib/figures.js';
import { launch, terminateAndDrain, waitForState } from '../lib/runs.js';

export async function propagation(ctx: BenchContext, connected: number): Promise<void> {
  const { ctl } = ctx;
  ctx.log(`propagation: ping/pong with ${connected} other agents connected`);
  const runId = await launch(ctl.client, 'bench/propagation', {});
  await waitForState(ctl.db, runId, 'Ready', 120_000);
  const { rows } = await ctl.db.query<{ value: string }>('select value from run_parameters where run_id = $1 and key = $2', [runId, 'pong.1:latencies']);
  const latencies = (rows[0]?.value ?? '').split(',').filter(Boolean).map((v) => Number(v) / 1000).sort((a, b) => a - b);
  const scenario = 'propagation';
  ctx.figures.push(atMost(scenario, `set -> mapped pending get returns, p50 (${connected} agents connected)`, percentile(latencies, 50), 'ms', 1));
  ctx.figures.push(atMost(scenario, `  p99`, percentile(latencies, 99), 'ms', 5));
  ctx.figures.push(info(scenario, `  samples`, latencies.length, ''));
  await terminateAndDrain(ctl.client, ctl.db, ctl.pool, runId, 60_000);
}
