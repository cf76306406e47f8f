/**
 * Throughput: N agents each set their five outputs round after round, each
 * set waiting for its ack (so every counted set is durable); the rate is
 * acknowledged sets per second over the whole window, at least 1.5x raw-unary.
 */
import { checkAcknowledged } from '../lib/checks.js';
import type { BenchContext } from '../lib/context.js';
import { atLeastTimes, exactly, info } from '../lib/figures.js';
import { launch, terminateAndDrain, waitForState } from '../lib/runs.js';

export async function throughput(ctx: BenchContext, agents: number): Promise<void> {
  const { ctl } = ctx;
  const rawUnary = ctx.baselines.get('raw-unary')!;
  ctx.log(`throughput: ${agents} agents setting parameters`);
  const runId = await launch(ctl.client, 'bench/throughput', { t: agents });
  await waitForState(ctl.db, runId, 'Ready', Math.max(180_000, agents * 100));
  const records = await ctl.pool.records(Array.from({ length: agents }, (_, i) => `${runId}/t.${i + 1}`));
  const sets = records.reduce((sum, r) => sum + r.stats.setsAcked, 0);
  const first = Math.min(...records.map((r) => r.stats.firstSetAt ?? Number.POSITIVE_INFINITY));
  const last = Math.max(...records.map((r) => r.stats.lastAckAt ?? 0));
  const perSecond = sets / ((last - first) / 1e6);
  ctx.figures.push(atLeastTimes('throughput', `durable parameter sets/s from ${agents} agents`, perSecond, 'sets/s', 1.5, rawUnary));
  ctx.figures.push(info('throughput', `  sets acknowledged`, sets, ''));
  const problems = await checkAcknowledged(ctl.db, runId, records);
  const journaled = await ctl.db.query<{ count: string }>(
    `select count(*) from run_journal where run_id = $1 and kind = 'parameter' and actor like 'agent:%' and subject ~ ':t[1-5]$'`,
    [runId],
  );
  const missing = sets - Number(journaled.rows[0]!.count);
  if (missing !== 0) problems.push(`${missing} acknowledged sets have no journal entry`);
  ctx.figures.push(exactly('throughput', `acknowledged sets missing from the database`, problems.length, 'items', 0));
  ctx.dataLoss.push(...problems.slice(0, 20));
  await terminateAndDrain(ctl.client, ctl.db, ctl.pool, runId, 120_000);
}
