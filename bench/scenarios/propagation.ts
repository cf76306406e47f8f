/**
 * Propagation: while a fleet is connected, ping sets p{i} (stamped with the
 * machine-wide monotonic clock) and pong, already waiting in `ss-get` on
 * q{i} (mapped from ping's p{i}), keeps the time until its get returned.
 * Judged against the raw relay measured in the same run (issue 23): p50 at
 * most 1.2x the relay's p50, p99 at most 5x the relay's p50.
 */
import { measureRawRelay } from '../baselines/raw-relay.js';
import { percentile, type BenchContext } from '../lib/context.js';
import { atMostTimes, info, withPeer, type Baseline } from '../lib/figures.js';
import { launch, terminateAndDrain, waitForState } from '../lib/runs.js';
import { etcdPeerKeys } from '../peers/etcd.js';
import { PROPAGATION_WARMUP_ROUNDS } from '../lib/sim-modules.js';

/** The baseline both propagation figures are judged against: the p50, for the p99 too. */
export const RAW_RELAY_P50 = 'raw relay p50';

/**
 * Measures the raw relay with the propagation scenario's pacing and number of samples, records its p50 and p99,
 * and leaves its p50 in `ctx.baselines` for `propagation`.
 */
export async function rawRelayBaseline(ctx: BenchContext, samples: number): Promise<void> {
  ctx.log(`raw relay baseline: ${samples} sets, each through one committed row to a waiting get`);
  const relay = await measureRawRelay({ databaseUrl: ctx.ctl.databaseUrl, samples, warmup: PROPAGATION_WARMUP_ROUNDS });
  const baseline: Baseline = { name: RAW_RELAY_P50, value: relay.p50Ms, unit: 'ms' };
  ctx.baselines.set(RAW_RELAY_P50, baseline);
  ctx.figures.push(info('baseline', 'raw relay: set -> committed row -> pending get, p50', relay.p50Ms, 'ms'));
  ctx.figures.push(info('baseline', '  p99', relay.p99Ms, 'ms'));
}

export async function propagation(ctx: BenchContext, connected: number): Promise<void> {
  const relay = ctx.baselines.get(RAW_RELAY_P50);
  if (!relay) throw new Error(`propagation: measure the ${RAW_RELAY_P50} baseline first (rawRelayBaseline)`);
  const { ctl } = ctx;
  ctx.log(`propagation: ping/pong with ${connected} other agents connected`);
  const runId = await launch(ctl.client, 'bench/propagation', {});
  await waitForState(ctl.db, runId, 'Ready', 120_000);
  const { rows } = await ctl.db.query<{ value: string }>('select value from run_parameters where run_id = $1 and key = $2', [runId, 'pong.1:latencies']);
  const rounds = (rows[0]?.value ?? '').split(',').filter(Boolean).map((v) => Number(v) / 1000);
  const latencies = rounds.slice(PROPAGATION_WARMUP_ROUNDS).sort((a, b) => a - b);
  const scenario = 'propagation';
  const p50 = atMostTimes(scenario, `set -> mapped pending get returns, p50 (${connected} agents connected)`, percentile(latencies, 50), 'ms', 1.2, relay);
  ctx.figures.push(withPeer(p50, ctx.peers?.get(etcdPeerKeys.propagationP50)));
  ctx.figures.push(withPeer(atMostTimes(scenario, `  p99`, percentile(latencies, 99), 'ms', 5, relay), ctx.peers?.get(etcdPeerKeys.propagationP99)));
  ctx.figures.push(info(scenario, `  samples`, latencies.length, ''));
  await terminateAndDrain(ctl.client, ctl.db, ctl.pool, runId, 60_000);
}
