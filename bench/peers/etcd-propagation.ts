/**
 * etcd beside the propagation scenario: put -> watch instead of set -> mapped
 * pending get. Two child processes (as ping and pong are two sim agents in
 * worker processes), each with its own client; see etcd-propagation-child.ts.
 */
import { randomUUID } from 'node:crypto';
import { requireInteger, spawnSibling, stopChild, withDeadline } from '../baselines/common.js';
import { percentile } from '../lib/context.js';
import { reportsOf } from '../lib/child-reports.js';
import type { PropagationReport } from './etcd-propagation-child.js';

export interface EtcdPropagationResult {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

export async function measureEtcdPropagation(options: { endpoint: string; samples: number }): Promise<EtcdPropagationResult> {
  const { endpoint, samples } = options;
  requireInteger('samples', samples, 1);
  const prefix = `bench/propagation/${randomUUID()}/`;
  const args = (role: string) => [role, endpoint, prefix, String(samples)];
  const pongChild = spawnSibling('../peers/etcd-propagation-child.ts', args('pong'), 'inherit');
  const pingChild = spawnSibling('../peers/etcd-propagation-child.ts', args('ping'), 'inherit');
  try {
    const pong = reportsOf<PropagationReport>(pongChild, 'etcd pong');
    const ping = reportsOf<PropagationReport>(pingChild, 'etcd ping');
    await withDeadline(Promise.all([pong('ready'), ping('ready')]), 60_000, 'etcd ping/pong start');
    pingChild.send({ type: 'go' });
    // 500 ms of warm-up, then a put every 5 ms or slower.
    const [{ ms }] = await withDeadline(Promise.all([pong('latencies'), ping('done')]), 60_000 + samples * 100, 'etcd ping/pong');
    const sorted = [...ms].sort((a, b) => a - b);
    return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), samples: sorted.length };
  } finally {
    await Promise.all([stopChild(pingChild), stopChild(pongChild)]);
  }
}
