/**
 * Child process of etcd-barrier: COUNT of the N parties, each with its own
 * client (its own connection) and session lease, and its watch on the ready
 * key created during set-up. Told to go, every party enters the barrier at
 * once, as clientv3's concurrency recipe DoubleBarrier.Enter does: put its
 * key under PREFIX/waiters/ on its lease, count the prefix, and a party that
 * counts N puts PREFIX/ready; the others wait for their watch to see it. As
 * in the recipe, a party watches only until it is through: every party that
 * counts N puts ready, and watches kept open would each receive every one of
 * those puts (with 1,000 parties, a million events that took etcd 50 s).
 * Reports the latest put (stamped as it is sent) and the latest sight of
 * ready (the ready put's ack for a party that made it) on CLOCK_MONOTONIC.
 *
 * Usage: etcd-barrier-child.ts ENDPOINT PREFIX PARTIES FIRST COUNT
 */
import type { Etcd3, Lease, Watcher } from 'etcd3';
import { childLifecycle, report } from './child-reports.js';
import { connectEtcd } from './etcd-client.js';

export type BarrierReport = { type: 'ready' } | { type: 'entered'; lastPutNs: string; lastReadyNs: string };

/** Parties set up at once: keeps the connect storm inside etcd's listen backlog. */
const SETUP_BATCH = 200;
/** The session's TTL; kept alive by the client, as concurrency.Session does. */
const SESSION_TTL_SECONDS = 60;

interface Party {
  index: number;
  client: Etcd3;
  lease: Lease;
  readyWatch: Watcher;
  readySeen: Promise<bigint>;
}

const [endpoint = '', prefix = '', ...numbers] = process.argv.slice(2);
const [parties = 0, first = 0, count = 0] = numbers.map(Number);
if (!endpoint || !prefix || !(parties > 0 && first >= 0 && count > 0)) throw new Error('usage: etcd-barrier-child.ts ENDPOINT PREFIX PARTIES FIRST COUNT');
const fail = childLifecycle();
const waitersPrefix = `${prefix}waiters/`;
const readyKey = `${prefix}ready`;

async function setUp(index: number): Promise<Party> {
  const client = connectEtcd(endpoint, `party-${index}`);
  const lease = client.lease(SESSION_TTL_SECONDS);
  lease.on('lost', fail);
  await lease.grant();
  // A first KV call: the client opens its KV service lazily, and an agent's connection is up before it completes.
  await client.get(readyKey).exists();
  const readyWatch = await client.watch().key(readyKey).create();
  readyWatch.on('error', fail);
  const readySeen = new Promise<bigint>((resolve) => readyWatch.once('put', () => resolve(process.hrtime.bigint())));
  return { index, client, lease, readyWatch, readySeen };
}

async function enter(party: Party): Promise<{ putAt: bigint; readyAt: bigint }> {
  const putAt = process.hrtime.bigint();
  await party.lease.put(`${waitersPrefix}${party.index}`).value('');
  const waiting = await party.client.getAll().prefix(waitersPrefix).count();
  if (waiting > parties) throw new Error(`${waiting} waiters for a barrier of ${parties}`);
  const through = () => party.readyWatch.cancel().catch(fail);
  if (waiting === parties) {
    void through();
    await party.client.put(readyKey).value('');
    return { putAt, readyAt: process.hrtime.bigint() };
  }
  const readyAt = await party.readySeen;
  void through();
  return { putAt, readyAt };
}

async function main(): Promise<void> {
  const set: Party[] = [];
  for (let done = 0; done < count; done += SETUP_BATCH) {
    const batch = Array.from({ length: Math.min(SETUP_BATCH, count - done) }, (_, j) => setUp(first + done + j));
    set.push(...(await Promise.all(batch)));
  }
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'go') return;
    void Promise.all(set.map(enter))
      .then((times) => {
        const last = (pick: (t: { putAt: bigint; readyAt: bigint }) => bigint) => times.map(pick).reduce((max, ns) => (ns > max ? ns : max));
        report<BarrierReport>({ type: 'entered', lastPutNs: String(last((t) => t.putAt)), lastReadyNs: String(last((t) => t.readyAt)) });
      })
      .catch(fail);
  });
  report<BarrierReport>({ type: 'ready' });
}

main().catch(fail);
