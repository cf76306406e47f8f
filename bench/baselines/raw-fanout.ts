/**
 * Raw fan-out baseline: how long bare grpc-js takes to deliver one message to
 * `streams` idle bidi streams, each on its own loopback TCP connection, from
 * the server writing the first copy to the last copy arriving in a client.
 * The clients live in `processes` child processes; arrival times are read
 * from CLOCK_MONOTONIC (process.hrtime), which Linux shares between processes.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import {
  FANOUT_SERVICE,
  nsToMs,
  requireInteger,
  shareOf,
  spawnSibling,
  stopChild,
  UNLIMITED_MESSAGES,
  withDeadline,
} from './common.js';
import { reportsOf } from '../lib/child-reports.js';
import type { FanoutChildMessage } from './fanout-client.js';

export { nsToMs } from './common.js';

export interface RawFanoutOptions {
  streams: number;
  processes: number;
  /** Size of the broadcast message. Default 64. */
  messageBytes?: number;
}

export interface RawFanoutResult {
  /** First write on the server to last arrival in any client, float milliseconds. */
  ms: number;
  streams: number;
}

/** Streams a child opens at once before waiting for their hellos to be accepted: keeps the connect storm inside the listen backlog. */
const CONNECT_BATCH = 200;
/** Idle time between the last hello and the broadcast, so that connection set-up work is over. */
const SETTLE_MS = 200;
const ACK = Buffer.from('ack');

export async function measureRawFanout(options: RawFanoutOptions): Promise<RawFanoutResult> {
  const { streams, processes } = options;
  const messageBytes = options.messageBytes ?? 64;
  requireInteger('streams', streams, 1);
  requireInteger('processes', processes, 1);
  requireInteger('messageBytes', messageBytes, 0);
  if (processes > streams) throw new RangeError(`processes (${processes}) must not exceed streams (${streams})`);

  const accepted: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  const peers = new Set<string>();
  let allAccepted!: () => void;
  const everyHello = new Promise<void>((resolve) => (allAccepted = resolve));

  const server = new grpc.Server(UNLIMITED_MESSAGES);
  server.addService(FANOUT_SERVICE, {
    subscribe: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      // Streams are cancelled by the teardown; that must not surface as an unhandled 'error' event.
      call.on('error', () => undefined);
      call.once('data', () => {
        accepted.push(call);
        peers.add(call.getPeer());
        call.write(ACK);
        if (accepted.length === streams) allAccepted();
      });
    },
  });

  const children: ChildProcess[] = [];
  try {
    const port = await bind(server);
    const reports: ReturnType<typeof reportsOf<FanoutChildMessage>>[] = [];
    for (let i = 0; i < processes; i++) {
      const child = spawnSibling('./fanout-client.ts', [String(port), String(shareOf(streams, processes, i)), String(CONNECT_BATCH)], 'inherit');
      children.push(child);
      reports.push(reportsOf<FanoutChildMessage>(child, `fanout-client ${i}`));
    }

    // Generous: a connect storm of this size is slow on a 2-core machine, but must still end.
    const setupMs = 60_000 + streams * 10;
    await withDeadline(Promise.all([everyHello, ...reports.map((next) => next('ready'))]), setupMs, 'opening the streams');
    if (peers.size !== streams) throw new Error(`${streams} streams arrived over ${peers.size} connections; each must have its own`);
    await delay(SETTLE_MS);

    const message = Buffer.alloc(messageBytes, 0x62);
    const t0 = process.hrtime.bigint();
    for (const call of accepted) call.write(message);
    const arrivals = await withDeadline(Promise.all(reports.map((next) => next('arrived').then((m) => BigInt(m.maxNs)))), 60_000, 'the broadcast');
    const last = arrivals.reduce((max, ns) => (ns > max ? ns : max));
    return { ms: nsToMs(t0, last), streams };
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
    server.forceShutdown();
  }
}

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}
