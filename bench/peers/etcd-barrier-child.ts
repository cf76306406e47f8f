/**
 * Child process of etcd-barrier: COUNT of the N parties, each with its own
 * client (its own connection) and session lease, and its watch on the ready
 * key created during set-up. Told to go, each party enters at its own time
 * (slot: its index in this process x PROCESSES + PROCESS, so the processes
 * interleave; slots evenly over the spread, a spread of 0 sends every party at
 * once), as clientv3's concurrency recipe DoubleBarrier.Enter does: put its key
 * under PREFIX/waiters/ on its lease, count the prefix, and a party that counts
 * N puts PREFIX/ready; the others wait for their watch to see it. As in the
 * recipe, a party watches only until it is through (watches kept open would
 * each receive every later ready put: with 1,000 parties, a million events
 * that took etcd 50 s). Unlike the recipe, the ready put is a txn that puts
 * only while ready does not exist: every party whose count sees N makes one,
 * and each plain put reached every watch not yet cancelled (1,000 parties over
 * 2 s, one run each: 371 ready puts, 8.7 s; with the txn 51, of which one
 * puts, and 2.6 s).
 * Reports, per party, on CLOCK_MONOTONIC: its put sent, the put's ack, the
 * count's answer, its sight of ready (the txn's ack for a party that made it);
 * the CPU this process spent from go to its last party through, and the events
 * its ready watches received.
 *
 * Usage: etcd-barrier-child.ts ENDPOINT PREFIX PARTIES FIRST COUNT PROCESS PROCESSES
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Etcd3, Lease, Watcher } from 'etcd3';
import { childLifecycle, report } from '../lib/child-reports.js';
import { connectEtcd } from './etcd-client.js';

/** One party's stamps, ns on CLOCK_MONOTONIC as decimal strings (IPC carries no bigint). */
export interface PartyTimes {
  putSentNs: string;
  putAckedNs: string;
  countedNs: string;
  readyNs: string;
  /** This party counted N and sent the ready txn. */
  madeReady: boolean;
}

export type BarrierGo = { type: 'go'; startNs: string; spreadMs: number };
export type BarrierReport = { type: 'ready' } | { type: 'entered'; parties: PartyTimes[]; cpuMs: number; watchEvents: number };

/** Parties set up at once: keeps the connect storm inside etcd's listen backlog. */
const SETUP_BATCH = 200;
/** The session's TTL; kept alive by the client, as concurrency.Session does. */
const SESSION_TTL_SECONDS = 60;

interface Party {
  index: number;
  slot: number;
  client: Etcd3;
  lease: Lease;
  readyWatch: Watcher;
  readySeen: Promise<bigint>;
}

const [endpoint = '', prefix = '', ...numbers] = process.argv.slice(2);
const [parties = 0, first = 0, count = 0, processIndex = -1, processes = 0] = numbers.map(Number);
if (!endpoint || !prefix || !(parties > 0 && first >= 0 && count > 0 && processIndex >= 0 && processes > processIndex)) {
  throw new Error('usage: etcd-barrier-child.ts ENDPOINT PREFIX PARTIES FIRST COUNT PROCESS PROCESSES');
}
const fail = childLifecycle();
const waitersPrefix = `${prefix}waiters/`;
const readyKey = `${prefix}ready`;
/** Events this process's ready watches received: every ready put reaches each watch still open. */
let watchEvents = 0;

async function setUp(local: number): Promise<Party> {
  const index = first + local;
  const client = connectEtcd(endpoint, `party-${index}`);
  const lease = client.lease(SESSION_TTL_SECONDS);
  lease.on('lost', fail);
  await lease.grant();
  // A first KV call: the client opens its KV service lazily, and an agent's connection is up before it completes.
  await client.get(readyKey).exists();
  const readyWatch = await client.watch().key(readyKey).create();
  readyWatch.on('error', fail);
  readyWatch.on('data', (response: { events: unknown[] }) => (watchEvents += response.events.length));
  const readySeen = new Promise<bigint>((resolve) => readyWatch.once('put', () => resolve(process.hrtime.bigint())));
  // Slots interleave the processes, so that each process's parties are spread over the whole spread.
  return { index, slot: local * processes + processIndex, client, lease, readyWatch, readySeen };
}

async function enter(party: Party, startNs: bigint, spreadMs: number): Promise<PartyTimes> {
  const at = startNs + BigInt(Math.round((party.slot * spreadMs * 1e6) / parties));
  const waitMs = Number(at - process.hrtime.bigint()) / 1e6;
  if (waitMs > 0) await delay(waitMs);
  const putSent = process.hrtime.bigint();
  await party.lease.put(`${waitersPrefix}${party.index}`).value('');
  const putAcked = process.hrtime.bigint();
  const waiting = await party.client.getAll().prefix(waitersPrefix).count();
  const counted = process.hrtime.bigint();
  if (waiting > parties) throw new Error(`${waiting} waiters for a barrier of ${parties}`);
  const through = () => party.readyWatch.cancel().catch(fail);
  const times = (ready: bigint, madeReady: boolean): PartyTimes => ({
    putSentNs: String(putSent),
    putAckedNs: String(putAcked),
    countedNs: String(counted),
    readyNs: String(ready),
    madeReady,
  });
  if (waiting === parties) {
    void through();
    await party.client.if(readyKey, 'Version', '==', 0).then(party.client.put(readyKey).value('')).commit();
    return times(process.hrtime.bigint(), true);
  }
  const readyAt = await party.readySeen;
  void through();
  return times(readyAt, false);
}

async function main(): Promise<void> {
  const set: Party[] = [];
  for (let done = 0; done < count; done += SETUP_BATCH) {
    const batch = Array.from({ length: Math.min(SETUP_BATCH, count - done) }, (_, j) => setUp(done + j));
    set.push(...(await Promise.all(batch)));
  }
  process.on('message', (message: BarrierGo) => {
    if (message.type !== 'go') return;
    const cpuBefore = process.cpuUsage();
    void Promise.all(set.map((party) => enter(party, BigInt(message.startNs), message.spreadMs)))
      .then((times) => {
        const cpu = process.cpuUsage(cpuBefore);
        report<BarrierReport>({ type: 'entered', parties: times, cpuMs: (cpu.user + cpu.system) / 1000, watchEvents });
      })
      .catch(fail);
  });
  report<BarrierReport>({ type: 'ready' });
}

main().catch(fail);
