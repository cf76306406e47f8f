/**
 * Child process of raw-fanout: opens `count` bidi streams to the fan-out
 * server, each on its own channel and so its own TCP connection, the way
 * that many separate agents would. Reports over IPC when all are accepted,
 * then the latest arrival time of the one broadcast message.
 *
 * Usage: fanout-client.ts PORT COUNT BATCH
 */
import * as grpc from '@grpc/grpc-js';
import { childLifecycle, report } from '../lib/child-reports.js';
import { FANOUT_SERVICE, UNLIMITED_MESSAGES } from './common.js';

export type FanoutChildMessage =
  | { type: 'ready' }
  | { type: 'arrived'; maxNs: string }
  | { type: 'failed'; message: string };

interface FanoutClient extends grpc.Client {
  subscribe(metadata?: grpc.Metadata): grpc.ClientDuplexStream<Buffer, Buffer>;
}

const FanoutClientConstructor = grpc.makeGenericClientConstructor(FANOUT_SERVICE, 'Fanout');

const [port = 0, count = 0, batch = 0] = process.argv.slice(2).map(Number);
if (!(port > 0 && count > 0 && batch > 0)) throw new Error('usage: fanout-client.ts PORT COUNT BATCH');

// Exits when the parent does (its IPC channel closes), so no child lingers with its sockets; reports a failure and exits 1.
const fail = childLifecycle();
const send = (message: FanoutChildMessage): void => report(message);

const HELLO = Buffer.from('hello');
/** Kept reachable for the life of the process; grpc-js would keep them anyway, this makes it explicit. */
const open: FanoutClient[] = [];
let arrived = 0;
let maxNs = 0n;

/** Resolves when the server has acknowledged this stream's hello. */
function openStream(): Promise<void> {
  // A local subchannel pool per channel: grpc-js would otherwise share one connection between equal targets.
  const client = new FanoutClientConstructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    ...UNLIMITED_MESSAGES,
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as FanoutClient;
  open.push(client);
  // waitForReady rides out a connection refused when the listen backlog overflows during the connect storm.
  const call = client.subscribe(new grpc.Metadata({ waitForReady: true }));
  return new Promise((resolve, reject) => {
    let seen = 0;
    call.on('data', () => {
      const now = process.hrtime.bigint();
      seen++;
      if (seen === 1) {
        resolve();
      } else if (seen === 2) {
        if (now > maxNs) maxNs = now;
        if (++arrived === count) send({ type: 'arrived', maxNs: String(maxNs) });
      }
    });
    call.on('error', (err) => (seen === 0 ? reject(err) : fail(err)));
    call.write(HELLO);
  });
}

async function main(): Promise<void> {
  for (let opened = 0; opened < count; opened += batch) {
    const size = Math.min(batch, count - opened);
    await Promise.all(Array.from({ length: size }, openStream));
  }
  send({ type: 'ready' });
}

main().catch(fail);
