/**
 * Raw unary baseline: calls per second that bare grpc-js sustains over one
 * loopback HTTP/2 connection, echoing `messageBytes` with `inFlight` calls
 * always outstanding. The server is in a child process so that, like the
 * product, client and server do not share an event loop.
 */
import type { ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { ECHO_SERVICE, exited, msToNs, requireInteger, spawnSibling, stopChild, UNLIMITED_MESSAGES, withDeadline } from './common.js';

export interface RawUnaryOptions {
  messageBytes: number;
  inFlight: number;
  durationMs: number;
  /** Run before counting starts, so JIT and connection warm-up stay out of the figure. Default 2,000 ms: grpc-js takes seconds of JIT to reach its steady rate. */
  warmupMs?: number;
}

export interface RawUnaryResult {
  callsPerSecond: number;
  /** Calls completed inside the measured window. */
  calls: number;
  elapsedMs: number;
}

/** What makeGenericClientConstructor builds for ECHO_SERVICE, typed. */
interface EchoClient extends grpc.Client {
  echo(request: Buffer, callback: grpc.requestCallback<Buffer>): grpc.ClientUnaryCall;
}

const EchoClientConstructor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

/** Beyond the measured time, how long a stuck server may keep us waiting. */
const STALL_MS = 30_000;

export async function measureRawUnary(options: RawUnaryOptions): Promise<RawUnaryResult> {
  const { messageBytes, inFlight, durationMs } = options;
  const warmupMs = options.warmupMs ?? 2_000;
  requireInteger('messageBytes', messageBytes, 0);
  requireInteger('inFlight', inFlight, 1);
  if (!(durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${durationMs}`);
  if (!(warmupMs >= 0)) throw new RangeError(`warmupMs must be >= 0, got ${warmupMs}`);

  const child = spawnSibling('./echo-server.ts', [], 'pipe');
  const childGone = exited(child, 'echo-server');
  let client: EchoClient | undefined;
  try {
    const port = await Promise.race([withDeadline(readPort(child), 30_000, 'echo-server port'), childGone]);
    client = new EchoClientConstructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), UNLIMITED_MESSAGES) as unknown as EchoClient;
    await Promise.race([waitForReady(client, 10_000), childGone]);
    const run = drive(client, Buffer.alloc(messageBytes, 0x61), inFlight, warmupMs, durationMs);
    return await Promise.race([withDeadline(run, warmupMs + durationMs + STALL_MS, 'raw unary calls'), childGone]);
  } finally {
    // Closing cancels any call still outstanding after a failure, so nothing keeps the loop alive.
    client?.close();
    await stopChild(child);
  }
}

function readPort(child: ChildProcess): Promise<number> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('echo-server: no stdout pipe'));
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const match = /^(\d+)\n/.exec(text);
      if (match?.[1] !== undefined) {
        // Keep draining afterwards so that a chatty child can never block on a full pipe.
        stdout.off('data', onData);
        stdout.resume();
        resolve(Number(match[1]));
      } else if (text.includes('\n')) {
        reject(new Error(`echo-server: unexpected output ${JSON.stringify(text)}`));
      }
    };
    stdout.on('data', onData);
  });
}

function waitForReady(client: grpc.Client, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + ms, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Keeps `inFlight` calls outstanding: each completion issues the next one.
 * Completions are counted by when they happen, so only those inside
 * [warm-up end, warm-up end + durationMs] count, whatever the timers do.
 */
function drive(client: EchoClient, payload: Buffer, inFlight: number, warmupMs: number, durationMs: number): Promise<RawUnaryResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint() + msToNs(warmupMs);
    const t1 = t0 + msToNs(durationMs);
    let calls = 0;
    let outstanding = 0;
    let failure: Error | undefined;

    const issue = (): void => {
      outstanding++;
      client.echo(payload, (err, reply) => {
        const now = process.hrtime.bigint();
        outstanding--;
        if (err) failure ??= err;
        else if (reply?.length !== payload.length) failure ??= new Error(`echo returned ${reply?.length} bytes, sent ${payload.length}`);
        else if (now >= t0 && now <= t1) calls++;
        if (failure === undefined && now < t1) {
          issue();
        } else if (outstanding === 0) {
          if (failure) reject(failure);
          else resolve({ callsPerSecond: calls / (durationMs / 1_000), calls, elapsedMs: durationMs });
        }
      });
    };
    for (let i = 0; i < inFlight; i++) issue();
  });
}
