/**
 * etcd beside the fleet's Executing -> SendingReports barrier: N parties,
 * each with its own client, spread over as many child processes as the sim
 * has workers, enter clientv3's DoubleBarrier (etcd-barrier-child.ts). The
 * figure is the fleet's: from the last party's put (its completion) to the
 * last party's sight of ready (its receipt of the next state).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { nsToMs, requireInteger, spawnSibling, stopChild, withDeadline } from '../baselines/common.js';
import { reportsOf } from './child-reports.js';
import type { BarrierReport } from './etcd-barrier-child.js';

/** Idle time between the last party's set-up and the barrier, so that connection set-up work is over. */
const SETTLE_MS = 200;

export async function measureEtcdBarrier(options: { endpoint: string; parties: number; processes: number }): Promise<{ ms: number; parties: number }> {
  const { endpoint, parties, processes } = options;
  requireInteger('parties', parties, 1);
  requireInteger('processes', processes, 1);
  if (processes > parties) throw new RangeError(`processes (${processes}) must not exceed parties (${parties})`);
  const prefix = `bench/barrier/${randomUUID()}/`;
  const children: ChildProcess[] = [];
  try {
    const reports = [];
    let first = 0;
    for (let i = 0; i < processes; i++) {
      const count = Math.floor(parties / processes) + (i < parties % processes ? 1 : 0);
      const child = spawnSibling('../peers/etcd-barrier-child.ts', [endpoint, prefix, String(parties), String(first), String(count)], 'inherit');
      children.push(child);
      reports.push(reportsOf<BarrierReport>(child, `etcd barrier child ${i}`));
      first += count;
    }
    await withDeadline(Promise.all(reports.map((next) => next('ready'))), 60_000 + parties * 20, 'setting up the etcd barrier parties');
    await delay(SETTLE_MS);
    for (const child of children) child.send({ type: 'go' });
    const entered = await withDeadline(Promise.all(reports.map((next) => next('entered'))), 60_000 + parties * 60, 'the etcd barrier');
    const lastPut = entered.map((e) => BigInt(e.lastPutNs)).reduce((max, ns) => (ns > max ? ns : max));
    const lastReady = entered.map((e) => BigInt(e.lastReadyNs)).reduce((max, ns) => (ns > max ? ns : max));
    return { ms: nsToMs(lastPut, lastReady), parties };
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
  }
}
