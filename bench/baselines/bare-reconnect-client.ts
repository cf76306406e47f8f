/**
 * Child process of bare-reconnect: `count` clients, each on its own channel
 * (its own TCP connection) with the agent's channel options, each holding one
 * bidi stream the way an agent holds its session, and reconnecting it the way
 * the agent's session does (agent/session.ts, one controller address): when
 * the stream ends, the session's jittered backoff, then a wait for the
 * channel to be ready (grpc-js redials on its own backoff meanwhile), then a
 * new stream and its hello. A stream is back when the server answered its
 * hello; the answer names the server's generation.
 *
 * Usage: bare-reconnect-client.ts PORT COUNT BATCH
 */
import * as grpc from '@grpc/grpc-js';
import { childLifecycle, report } from '../lib/child-reports.js';
import { Backoff, DEFAULT_BACKOFF, sleep } from '../../agent/backoff.js';
import { AGENT_CHANNEL_OPTIONS, channelTarget } from '../../agent/channel.js';
import { FANOUT_SERVICE } from './common.js';

export type BareReconnectParentMessage = { type: 'expect'; generation: number };

export type BareReconnectChildMessage =
  | { type: 'ready' }
  /** Every stream was answered by `generation`; the latest of those first answers. */
  | { type: 'back'; generation: number; maxNs: string }
  | { type: 'failed'; message: string };

interface StreamClient extends grpc.Client {
  subscribe(metadata?: grpc.Metadata): grpc.ClientDuplexStream<Buffer, Buffer>;
}

/** The fan-out's raw bidi method serves as the session stream: hello up, the server's generation down. */
const StreamClientConstructor = grpc.makeGenericClientConstructor(FANOUT_SERVICE, 'Fanout');

/** As the agent's channelReady: how long one wait for the channel lasts before it is renewed. */
const READY_WAIT_MS = 30_000;

const [port = 0, count = 0, batch = 0] = process.argv.slice(2).map(Number);
if (!(port > 0 && count > 0 && batch > 0)) throw new Error('usage: bare-reconnect-client.ts PORT COUNT BATCH');

// Exits when the parent does (its IPC channel closes), so no child lingers with its sockets; reports a failure and exits 1.
const fail = childLifecycle();
const send = (message: BareReconnectChildMessage): void => report(message);

const HELLO = Buffer.from('hello');

/** The generation whose answers are being counted, and how many streams it answered. */
let expected = 1;
let answered = 0;
let latestNs = 0n;

function answer(atNs: bigint): void {
  if (atNs > latestNs) latestNs = atNs;
  if (++answered === count) {
    if (expected === 1) send({ type: 'ready' });
    else send({ type: 'back', generation: expected, maxNs: String(latestNs) });
  }
}

/** One client's session loop: runs until the process exits. */
class ReconnectingStream {
  private readonly client: StreamClient;
  private readonly backoff = new Backoff(DEFAULT_BACKOFF);
  /** The generation that last answered this client's hello, and when. */
  private generation = 0;
  private answeredAtNs = 0n;
  /** The generation this client was last counted for. */
  private countedFor = 0;

  constructor() {
    this.client = new StreamClientConstructor(channelTarget(`127.0.0.1:${port}`), grpc.credentials.createInsecure(), {
      ...AGENT_CHANNEL_OPTIONS,
    }) as unknown as StreamClient;
  }

  /** Counts this client once for the expected generation, once that generation answered it (the answer may come before the expectation). */
  count(): void {
    if (this.generation !== expected || this.countedFor === expected) return;
    this.countedFor = expected;
    answer(this.answeredAtNs);
  }

  /** Resolves once the first stream was answered; the loop goes on in the background. */
  start(): Promise<void> {
    return new Promise((firstAnswer) => {
      void this.run(firstAnswer).catch(fail);
    });
  }

  private async run(firstAnswer: () => void): Promise<void> {
    for (;;) {
      await this.channelReady();
      const ended = await this.streamOnce(firstAnswer);
      if (ended) await sleep(this.backoff.next());
    }
  }

  private async channelReady(): Promise<void> {
    for (;;) {
      const ready = await new Promise<boolean>((resolve) => this.client.waitForReady(Date.now() + READY_WAIT_MS, (err) => resolve(!err)));
      if (ready) return;
    }
  }

  /** One stream, from its hello to its end. */
  private streamOnce(firstAnswer: () => void): Promise<true> {
    return new Promise((resolve) => {
      const call = this.client.subscribe();
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        resolve(true);
      };
      call.once('data', (reply: Buffer) => {
        const atNs = process.hrtime.bigint();
        this.backoff.reset();
        this.generation = Number(reply.toString('utf8'));
        this.answeredAtNs = atNs;
        this.count();
        firstAnswer();
      });
      call.on('data', () => undefined);
      call.on('error', end);
      call.on('status', end);
      call.on('end', () => setImmediate(end));
      call.write(HELLO);
    });
  }
}

const streams: ReconnectingStream[] = [];

process.on('message', (message: BareReconnectParentMessage) => {
  if (message.type !== 'expect') return;
  expected = message.generation;
  answered = 0;
  latestNs = 0n;
  for (const stream of streams) stream.count();
});

async function main(): Promise<void> {
  for (let opened = 0; opened < count; opened += batch) {
    const size = Math.min(batch, count - opened);
    const started = Array.from({ length: size }, () => new ReconnectingStream());
    streams.push(...started);
    await Promise.all(started.map((s) => s.start()));
  }
}

main().catch(fail);
