/**
 * Child process of etcd-propagation, one per side, each with its own client.
 * pong watches the prefix (the watch is created before anything is put) and
 * keeps, for each put, its arrival time minus the stamp in the value; ping,
 * told to go, waits 500 ms, then every 5 ms puts p{i} stamped with
 * CLOCK_MONOTONIC, each put awaited as ss-set awaits its ack.
 *
 * Usage: etcd-propagation-child.ts ping|pong ENDPOINT PREFIX SAMPLES
 */
import { setTimeout as delay } from 'node:timers/promises';
import { childLifecycle, report } from '../lib/child-reports.js';
import { connectEtcd, monotonicStamp } from './etcd-client.js';

export type PropagationReport = { type: 'ready' } | { type: 'done' } | { type: 'latencies'; ms: number[] };

const [role, endpoint = '', prefix = '', samplesArg = ''] = process.argv.slice(2);
const samples = Number(samplesArg);
if ((role !== 'ping' && role !== 'pong') || !endpoint || !prefix || !(Number.isInteger(samples) && samples > 0)) {
  throw new Error('usage: etcd-propagation-child.ts ping|pong ENDPOINT PREFIX SAMPLES');
}
const fail = childLifecycle();
const client = connectEtcd(endpoint, role);

async function pong(): Promise<void> {
  const latencies: number[] = [];
  const watcher = await client.watch().prefix(prefix).create();
  watcher.on('error', fail);
  watcher.on('put', (kv) => {
    const now = process.hrtime.bigint();
    latencies.push(Number(now - BigInt(kv.value.toString('utf8'))) / 1e6);
    if (latencies.length === samples) report<PropagationReport>({ type: 'latencies', ms: latencies });
  });
  report<PropagationReport>({ type: 'ready' });
}

async function ping(): Promise<void> {
  // A first call opens the connection, so the first sample does not pay for it.
  await client.get(`${prefix}warm-up`).string();
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'go') return;
    void (async () => {
      await delay(500);
      for (let i = 1; i <= samples; i++) {
        await delay(5);
        await client.put(`${prefix}p${i}`).value(monotonicStamp());
      }
      report<PropagationReport>({ type: 'done' });
    })().catch(fail);
  });
  report<PropagationReport>({ type: 'ready' });
}

(role === 'ping' ? ping() : pong()).catch(fail);
