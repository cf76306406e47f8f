/**
 * etcd beside the fleet's Executing -> SendingReports barrier: N parties,
 * each with its own client, spread over as many child processes as the sim
 * has workers, enter clientv3's DoubleBarrier (etcd-barrier-child.ts). As the
 * fleet's agents complete Executing at different times, the parties enter
 * evenly over `spreadMs` (0: all at once, a burst of N puts and N counts).
 * The figure is the fleet's: from the last party's put (its completion) to the
 * last party's sight of ready (its receipt of the next state).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { msToNs, nsToMs, requireInteger, shareOf, spawnSibling, stopChild, withDeadline } from '../baselines/common.js';
import { percentile } from '../lib/context.js';
import { reportsOf } from '../lib/child-reports.js';
import type { BarrierGo, BarrierReport, PartyTimes } from './etcd-barrier-child.js';

/** Idle time between the last party's set-up and the barrier, so that connection set-up work is over. */
const SETTLE_MS = 200;
/** From go to the first party's slot: the go message reaches every child before anyone's time comes. */
const LEAD_MS = 100;

export interface EtcdBarrierResult {
  parties: number;
  spreadMs: number;
  /** Last party's put sent -> last party sees ready. */
  ms: number;
  /** Where that window goes, from the last put sent: the last put's ack, the last count's answer, the first ready txn's ack. */
  lastPutAckedMs: number;
  lastCountedMs: number;
  readyAckedMs: number;
  /** From the last put sent to the first watch's sight of ready: the rest of the window is ready's fan-out. */
  firstSawReadyMs: number;
  /** Per party round trips over the whole barrier: put sent -> acked, put acked -> counted. */
  putP50Ms: number;
  putP99Ms: number;
  countP50Ms: number;
  countP99Ms: number;
  /** CPU of the clients' processes from go to through. */
  clientCpuMs: number;
  /** Parties that counted N and sent the ready txn, and the events all ready watches received. */
  readyTxns: number;
  watchEvents: number;
}

export async function measureEtcdBarrier(options: { endpoint: string; parties: number; processes: number; spreadMs: number }): Promise<EtcdBarrierResult> {
  const { endpoint, parties, processes, spreadMs } = options;
  requireInteger('parties', parties, 1);
  requireInteger('processes', processes, 1);
  if (!(spreadMs >= 0)) throw new RangeError(`spreadMs must be >= 0, got ${spreadMs}`);
  if (processes > parties) throw new RangeError(`processes (${processes}) must not exceed parties (${parties})`);
  const prefix = `bench/barrier/${randomUUID()}/`;
  const children: ChildProcess[] = [];
  try {
    const reports = [];
    let first = 0;
    for (let i = 0; i < processes; i++) {
      const count = shareOf(parties, processes, i);
      const args = [endpoint, prefix, String(parties), String(first), String(count), String(i), String(processes)];
      const child = spawnSibling('../peers/etcd-barrier-child.ts', args, 'inherit');
      children.push(child);
      reports.push(reportsOf<BarrierReport>(child, `etcd barrier child ${i}`));
      first += count;
    }
    await withDeadline(Promise.all(reports.map((next) => next('ready'))), 60_000 + parties * 20, 'setting up the etcd barrier parties');
    await delay(SETTLE_MS);
    const go: BarrierGo = { type: 'go', startNs: String(process.hrtime.bigint() + msToNs(LEAD_MS)), spreadMs };
    for (const child of children) child.send(go);
    const entered = await withDeadline(Promise.all(reports.map((next) => next('entered'))), 60_000 + spreadMs + parties * 60, 'the etcd barrier');
    const sum = (pick: (e: (typeof entered)[number]) => number) => entered.reduce((total, e) => total + pick(e), 0);
    return summarize(parties, spreadMs, entered.flatMap((e) => e.parties), sum((e) => e.cpuMs), sum((e) => e.watchEvents));
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
  }
}

function summarize(parties: number, spreadMs: number, times: PartyTimes[], clientCpuMs: number, watchEvents: number): EtcdBarrierResult {
  const ns = (pick: (t: PartyTimes) => string) => times.map((t) => BigInt(pick(t)));
  const max = (values: bigint[]) => values.reduce((m, v) => (v > m ? v : m));
  const min = (values: bigint[]) => (values.length === 0 ? undefined : values.reduce((m, v) => (v < m ? v : m)));
  const lastPut = max(ns((t) => t.putSentNs));
  const sortedMs = (from: (t: PartyTimes) => string, to: (t: PartyTimes) => string) =>
    times.map((t) => nsToMs(BigInt(from(t)), BigInt(to(t)))).sort((a, b) => a - b);
  const puts = sortedMs((t) => t.putSentNs, (t) => t.putAckedNs);
  const counts = sortedMs((t) => t.putAckedNs, (t) => t.countedNs);
  const makers = times.filter((t) => t.madeReady);
  const firstReadyAcked = min(makers.map((t) => BigInt(t.readyNs)));
  if (firstReadyAcked === undefined) throw new Error('no party counted every party and put ready');
  // Undefined when every party made ready itself (with one party, say): no watch saw it.
  const firstSawReady = min(times.filter((t) => !t.madeReady).map((t) => BigInt(t.readyNs)));
  return {
    parties,
    spreadMs,
    ms: nsToMs(lastPut, max(ns((t) => t.readyNs))),
    lastPutAckedMs: nsToMs(lastPut, max(ns((t) => t.putAckedNs))),
    lastCountedMs: nsToMs(lastPut, max(ns((t) => t.countedNs))),
    readyAckedMs: nsToMs(lastPut, firstReadyAcked),
    firstSawReadyMs: firstSawReady === undefined ? Number.NaN : nsToMs(lastPut, firstSawReady),
    putP50Ms: percentile(puts, 50),
    putP99Ms: percentile(puts, 99),
    countP50Ms: percentile(counts, 50),
    countP99Ms: percentile(counts, 99),
    clientCpuMs,
    readyTxns: makers.length,
    watchEvents,
  };
}
