/**
 * The etcd peer: the propagation and barrier figures measured again through
 * etcd (when it is installed) in the same run, so that the table shows
 * Slipstream and etcd side by side. The figures go to ctx.peers, for the
 * scenarios to attach with withPeer, and to the table under 'peer: etcd'.
 */
import type { BenchContext } from '../lib/context.js';
import { info } from '../lib/figures.js';
import { measureEtcdBarrier } from './etcd-barrier.js';
import { measureEtcdPropagation } from './etcd-propagation.js';
import { startEtcd } from './etcd-server.js';

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
      ctx.log(`etcd peer: DoubleBarrier enter, N=${parties}`);
      const barrier = await measureEtcdBarrier({ endpoint: etcd.endpoint, parties, processes: Math.min(options.processes, parties) });
      peers.set(etcdPeerKeys.barrier(parties), { name: 'etcd', value: barrier.ms, unit: 'ms' });
      ctx.figures.push(info(scenario, `DoubleBarrier enter, last put -> last sees ready, N=${parties}`, barrier.ms, 'ms'));
    }
  } finally {
    await etcd.stop();
  }
}
