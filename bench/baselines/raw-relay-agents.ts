/**
 * Child process of raw-relay: the two agents, A and B, each with its own
 * channel (and so its own TCP connection) and one bidi stream, as two sim
 * agents in one worker process would be. B waits on k{i}; A, after pausing
 * PACE_MS, sets k{i} to its CLOCK_MONOTONIC stamp and waits for the ack; B
 * keeps the time from the stamp to the value's arrival. WARMUP uncounted
 * rounds on keys w{i} come first. Reports the latencies over IPC.
 *
 * Usage: raw-relay-agents.ts PORT SAMPLES WARMUP PACE_MS
 */
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { childLifecycle, report } from '../lib/child-reports.js';
import { nsToMs, RELAY_SERVICE, UNLIMITED_MESSAGES } from './common.js';
import { decodeReply, encodeRequest, type RelayReply, type RelayRequest } from './raw-relay-wire.js';

export type RelayChildMessage = { type: 'done'; latenciesMs: number[] } | { type: 'failed'; message: string };

interface RelayClient extends grpc.Client {
  connect(metadata?: grpc.Metadata): grpc.ClientDuplexStream<Buffer, Buffer>;
}

const RelayClientConstructor = grpc.makeGenericClientConstructor(RELAY_SERVICE, 'Relay');

const [port = 0, samples = 0, warmup = -1, paceMs = -1] = process.argv.slice(2).map(Number);
if (!(port > 0 && samples > 0 && warmup >= 0 && paceMs >= 0)) throw new Error('usage: raw-relay-agents.ts PORT SAMPLES WARMUP PACE_MS');

// Exits when the parent does (its IPC channel closes), so no child lingers with its sockets; reports a failure and exits 1.
const fail = childLifecycle();
const send = (message: RelayChildMessage): void => report(message);

interface Arrival {
  reply: RelayReply;
  /** process.hrtime.bigint() when the frame reached this process's JavaScript. */
  atNs: bigint;
}

/** One agent. Each has at most one request outstanding, so replies pair with requests in order. */
class RelayAgent {
  private readonly client: RelayClient;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private outstanding: { resolve: (arrival: Arrival) => void } | undefined;

  constructor(name: string) {
    // A local subchannel pool: grpc-js would otherwise share one connection between the two agents.
    this.client = new RelayClientConstructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      ...UNLIMITED_MESSAGES,
      'grpc.use_local_subchannel_pool': 1,
    }) as unknown as RelayClient;
    this.call = this.client.connect(new grpc.Metadata({ waitForReady: true }));
    this.call.on('data', (frame: Buffer) => {
      const atNs = process.hrtime.bigint();
      const waiting = this.outstanding;
      this.outstanding = undefined;
      if (!waiting) return fail(new Error(`agent ${name}: a reply nobody asked for`));
      try {
        waiting.resolve({ reply: decodeReply(frame), atNs });
      } catch (err) {
        fail(err);
      }
    });
    this.call.on('error', (err) => fail(new Error(`agent ${name}: ${err.message}`)));
    this.call.on('end', () => fail(new Error(`agent ${name}: the server ended the stream`)));
  }

  request(request: RelayRequest): Promise<Arrival> {
    if (this.outstanding) throw new Error('one request at a time');
    const arrival = new Promise<Arrival>((resolve) => (this.outstanding = { resolve }));
    this.call.write(encodeRequest(request));
    return arrival;
  }
}

const a = new RelayAgent('A');
const b = new RelayAgent('B');

/** `count` rounds on keys `${prefix}{i}`; the latencies go to `latenciesMs` when given. */
async function rounds(prefix: string, count: number, latenciesMs?: number[]): Promise<void> {
  const waiter = async (): Promise<void> => {
    for (let i = 1; i <= count; i++) {
      const key = `${prefix}${i}`;
      const { reply, atNs } = await b.request({ type: 'get', key });
      if (reply.type !== 'value' || reply.key !== key) throw new Error(`B asked for ${key} and got ${reply.type} ${reply.key}`);
      latenciesMs?.push(nsToMs(BigInt(reply.value), atNs));
    }
  };
  const setter = async (): Promise<void> => {
    for (let i = 1; i <= count; i++) {
      const key = `${prefix}${i}`;
      await delay(paceMs);
      const { reply } = await a.request({ type: 'set', key, value: String(process.hrtime.bigint()) });
      if (reply.type !== 'ack' || reply.key !== key) throw new Error(`A set ${key} and got ${reply.type} ${reply.key}`);
    }
  };
  await Promise.all([waiter(), setter()]);
}

async function main(): Promise<void> {
  await rounds('w', warmup);
  const latenciesMs: number[] = [];
  await rounds('k', samples, latenciesMs);
  send({ type: 'done', latenciesMs });
}

main().catch(fail);
