/**
 * The etcd peer: the propagation and barrier figures measured again through
 * etcd (when it is installed) in the same run, so that the table shows
 * Slipstream and etcd side by side. The figures go to ctx.peers, for the
 * scenarios to attach with withPeer, and to the table under 'peer: etcd'.
 * The barrier's parties enter spread over time, as the fleet's agents
 * complete Executing at different times, and the figure runs from the last
 * one's put, as the fleet's from its last completion; the same barrier with
 * every party at once is shown beside it for information.
 */
import type { BenchContext } from '../lib/context.js';
import { info } from '../lib/figures.js';
import { measureEtcdBarrier } from './etcd-barrier.js';
import { measureEtcdPropagation } from './etcd-propagation.js';
import { startEtcd } from './etcd-server.js';

/**
 * Each party enters this long after the one before. Spread thinner, etcd did not keep up on this loaded 2-core
 * machine (1,000 parties over 2 s: puts acked p50 0.8 s, p99 1.7 s, against 3 ms and 87 ms over 5 s, one run each),
 * and the figure would measure the queue of earlier parties' requests instead of the barrier after the last one.
 * Gentler than the fleet, which prints its own spread beside its barrier: its 1,000 agents completed Executing within
 * 507 and 604 ms in two quiet runs, where these parties take 5 s to enter.
 */
export const ENTRY_SPACING_MS = 5;

/** Where each etcd figure is in ctx.peers. */
export const etcdPeerKeys = {
  propagationP50: 'etcd propagation p50',
  propagationP99: 'etcd propagation p99',
  barrier: (parties: number) => `etcd barrier N=${parties}`,
};

export interface EtcdPeerOptions {
  /** Pings, as the propagation scenario's; 0 skips the propagation. */
  samples: number;
  /** Barrier sizes, as the fleets'. */
  barriers: number[];
  /** Child processes the parties are spread over: as many as the sim has workers. */
  processes: number;
}

export async function measureEtcdPeer(ctx: BenchContext, options: EtcdPeerOptions): Promise<void> {
  const etcd = await startEtcd();
  if (!etcd) {
    ctx.log('etcd not installed: no peer figures');
    return;
  }
  const scenario = 'peer: etcd';
  const peers = (ctx.peers ??= new Map());
  try {
    if (options.samples > 0) {
      ctx.log(`etcd peer: put -> watch, ${options.samples} samples`);
      const propagation = await measureEtcdPropagation({ endpoint: etcd.endpoint, samples: options.samples });
      peers.set(etcdPeerKeys.propagationP50, { name: 'etcd', value: propagation.p50Ms, unit: 'ms' });
      peers.set(etcdPeerKeys.propagationP99, { name: 'etcd', value: propagation.p99Ms, unit: 'ms' });
      ctx.figures.push(info(scenario, 'put -> watch (created before the put) fires, p50', propagation.p50Ms, 'ms'));
      ctx.figures.push(info(scenario, '  p99', propagation.p99Ms, 'ms'));
      ctx.figures.push(info(scenario, '  samples', propagation.samples, ''));
    }
    for (const parties of options.barriers) {
      const processes = Math.min(options.processes, parties);
      const spreadMs = parties * ENTRY_SPACING_MS;
      ctx.log(`etcd peer: DoubleBarrier enter, N=${parties} over ${spreadMs} ms, then all at once`);
      const spread = await measureEtcdBarrier({ endpoint: etcd.endpoint, parties, processes, spreadMs });
      peers.set(etcdPeerKeys.barrier(parties), { name: 'etcd', value: spread.ms, unit: 'ms' });
      ctx.figures.push(info(scenario, `DoubleBarrier enter over ${spreadMs} ms, last put -> last sees ready, N=${parties}`, spread.ms, 'ms'));
      ctx.figures.push(info(scenario, '  from that put: last put acked', spread.lastPutAckedMs, 'ms'));
      ctx.figures.push(info(scenario, '  from that put: last count answered', spread.lastCountedMs, 'ms'));
      ctx.figures.push(info(scenario, '  from that put: first ready txn acked', spread.readyAckedMs, 'ms'));
      ctx.figures.push(info(scenario, '  from that put: first watch sees ready (the rest is its fan-out)', spread.firstSawReadyMs, 'ms'));
      ctx.figures.push(info(scenario, '  put round trip p99 over the spread', spread.putP99Ms, 'ms'));
      ctx.figures.push(info(scenario, '  CPU of the parties\' processes', spread.clientCpuMs, 'ms'));
      const burst = await measureEtcdBarrier({ endpoint: etcd.endpoint, parties, processes, spreadMs: 0 });
      ctx.figures.push(info(scenario, `  all at once instead, N=${parties}`, burst.ms, 'ms'));
    }
  } finally {
    await etcd.stop();
  }
}
