/**
 * The one place calls go through: adds the bearer token, applies the deadline
 * and cancellation, turns callbacks into promises and errors into typed ones.
 */
import {
  Metadata,
  status,
  type CallOptions as GrpcCallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { backoffDelayMs } from '../common/backoff.js';
import { errorFromStatus, fromServiceError, ResourceExhaustedError, UnavailableError } from './errors.js';
import type { CallOptions, CompiledClientOptions } from './options.js';
import { isRepeatable } from './repeatable-calls.js';
import type { ReplicaChannel, ReplicaPick } from './replica-channel.js';

/**
 * A grpc-js unary method in its four-argument form (bound to its client);
 * `path` (kept by `bound`) tells whether a failed call may be repeated.
 */
export type UnaryMethod<Req, Res> = ((
  request: Req,
  metadata: Metadata,
  options: Partial<GrpcCallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall) & { readonly path?: string };

/** A grpc-js server-streaming method (bound to its client). */
export type ServerStreamMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<GrpcCallOptions>,
) => ClientReadableStream<Res>;

/** Messages buffered before the stream is paused (backpressure on the HTTP/2 flow control). */
const STREAM_HIGH_WATER = 64;

/** Call plumbing shared by every sub-client; also usable with the raw clients. */
export class Rpc {
  constructor(
    private readonly options: CompiledClientOptions,
    /** The replicas the calls go to; absent: one address, nothing to move on to. */
    private readonly replicas?: ReplicaChannel,
  ) {}

  /** Fresh metadata carrying the caller's credentials. */
  metadata(): Metadata {
    const metadata = new Metadata();
    if (this.options.token !== undefined) metadata.set('authorization', `Bearer ${this.options.token}`);
    return metadata;
  }

  /** grpc-js call options for one call: its deadline, or the client's default. */
  callOptions(call: CallOptions = {}): Partial<GrpcCallOptions> {
    if (call.deadline !== undefined) return { deadline: call.deadline };
    const timeoutMs = call.timeoutMs ?? this.options.defaultTimeoutMs;
    return timeoutMs > 0 ? { deadline: new Date(Date.now() + timeoutMs) } : {};
  }

  /**
   * Runs a unary call; rejects with a SlipstreamError subclass on failure. A
   * call a rate limit refused (RESOURCE_EXHAUSTED `RATE_LIMITED`: refused
   * before it ran, so always safe to repeat) is repeated after the wait the
   * controller asked for, within the call's deadline. With several replicas,
   * a call that fails UNAVAILABLE moves the client on to the next replica and,
   * when it is safe to repeat (repeatable-calls.ts), is repeated there: at once
   * the first time round, then after a short backoff, at most three times
   * round the replicas, within the call's deadline.
   */
  async unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, call: CallOptions = {}): Promise<Res> {
    const options = this.callOptions(call); // one deadline for every attempt
    const failover = this.replicas?.several === true && isRepeatable(method.path, request);
    let unreachable = 0;
    for (let attempt = 1; ; attempt++) {
      const pick = this.replicas?.current();
      try {
        return await this.unaryOnce(method, request, call, options);
      } catch (error) {
        this.noteFailure(pick, error);
        const waitMs = failover && error instanceof UnavailableError
          ? failoverWaitMs(++unreachable, this.replicas!.addresses.length, options.deadline)
          : rateLimitWaitMs(error, options.deadline, attempt);
        if (waitMs === undefined) throw error;
        await waitToRetry(waitMs, call.signal, error);
      }
    }
  }

  /** A replica that could not be reached (or dropped the call) is left for the next one. */
  private noteFailure(pick: ReplicaPick | undefined, error: unknown): void {
    if (pick !== undefined && error instanceof UnavailableError) this.replicas!.failed(pick);
  }

  private unaryOnce<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, call: CallOptions, options: Partial<GrpcCallOptions>): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const onAbort = (): void => pending.cancel();
      const pending = method(request, this.metadata(), options, (error, response) => {
        call.signal?.removeEventListener('abort', onAbort);
        if (error) reject(fromServiceError(error));
        else resolve(response);
      });
      if (call.signal?.aborted) pending.cancel();
      else call.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Runs a server-streaming call as an async iterable, started when iteration
   * starts. Streams are long-lived: only an explicit `deadline` / `timeoutMs`
   * bounds them, never the client's default. Aborting `signal` cancels the
   * call and the iteration throws CancelledError; leaving the loop early
   * (break, return, throw) cancels the call too. Server errors throw the
   * matching SlipstreamError subclass after the messages that preceded them.
   */
  async *serverStream<Req, Res>(method: ServerStreamMethod<Req, Res>, request: Req, call: CallOptions = {}): AsyncGenerator<Res, void, undefined> {
    const explicit = call.deadline !== undefined || call.timeoutMs !== undefined;
    const pick = this.replicas?.current();
    const stream = method(request, this.metadata(), explicit ? this.callOptions(call) : {});
    const queue: Res[] = [];
    let failure: ServiceError | undefined;
    let ended = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    stream.on('data', (message: Res) => {
      queue.push(message);
      if (queue.length >= STREAM_HIGH_WATER) stream.pause();
      notify();
    });
    // Stays attached after the loop ends: the CANCELLED status of an early exit must not go unhandled.
    stream.on('error', (error: ServiceError) => {
      failure ??= error;
      notify();
    });
    stream.on('end', () => {
      ended = true;
      notify();
    });
    const onAbort = (): void => stream.cancel();
    if (call.signal?.aborted) stream.cancel();
    else call.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const message = queue.shift();
        if (message !== undefined) {
          if (stream.isPaused() && queue.length < STREAM_HIGH_WATER / 2) stream.resume();
          yield message;
          continue;
        }
        if (failure) {
          const error = fromServiceError(failure);
          this.noteFailure(pick, error);
          throw error;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      call.signal?.removeEventListener('abort', onAbort);
      stream.cancel(); // a no-op once the server's status arrived
    }
  }
}

/** Repeats of one call refused by a rate limit, at most. */
const RATE_LIMIT_ATTEMPTS = 50;

/** How long to wait before repeating a call the rate limit refused, or undefined when it is not one or no time is left. */
function rateLimitWaitMs(error: unknown, deadline: GrpcCallOptions['deadline'] | undefined, attempt: number): number | undefined {
  if (!(error instanceof ResourceExhaustedError) || error.reason !== 'RATE_LIMITED' || error.retryDelayMs === undefined) return undefined;
  if (attempt >= RATE_LIMIT_ATTEMPTS) return undefined;
  // Spread the callers that were refused together, so they do not all come back at the same instant.
  const waitMs = error.retryDelayMs * (1 + Math.random() / 2);
  return fitsBefore(waitMs, deadline);
}

/** Rounds of the replicas a repeatable call makes while they are all unreachable. */
const FAILOVER_ROUNDS = 3;
/** The wait between two rounds, jittered: 50 ms plus up to 200, then 400 ms (with one replica down the next answers at once; with all down the call fails within a second instead of hanging). */
const ROUND_BACKOFF = { baseMs: 200, capMs: 1_000 };

/**
 * How long to wait before the `failures`-th repeat of a call no replica
 * answered: nothing while replicas of this round are left to try, a short
 * backoff between rounds; undefined after the last round or when no time is left.
 */
function failoverWaitMs(failures: number, replicas: number, deadline: GrpcCallOptions['deadline'] | undefined): number | undefined {
  if (failures >= replicas * FAILOVER_ROUNDS) return undefined;
  const waitMs = failures % replicas === 0 ? 50 + backoffDelayMs(failures / replicas - 1, ROUND_BACKOFF) : 0;
  return fitsBefore(waitMs, deadline);
}

/** `waitMs`, when waiting that long still leaves time before `deadline`; else undefined. */
function fitsBefore(waitMs: number, deadline: GrpcCallOptions['deadline'] | undefined): number | undefined {
  const end = deadline === undefined ? Infinity : deadline instanceof Date ? deadline.getTime() : deadline;
  return Date.now() + waitMs < end ? waitMs : undefined;
}

/** Sleeps `ms`; an abort of `signal` ends the wait with a CancelledError. */
function waitToRetry(ms: number, signal: AbortSignal | undefined, refusal: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => errorFromStatus({ code: status.CANCELLED, message: 'cancelled while waiting to retry the call', cause: refusal });
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Fills a partial request with the message's defaults. Keys set to undefined
 * keep the default, since ts-proto's encoders expect every scalar present.
 */
export function withDefaults<T extends object>(defaults: T, request: Partial<T> = {}): T {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/**
 * `client[name]` bound to `client`, keeping the gRPC path grpc-js sets on its
 * methods (which `bind` drops), so that Rpc knows whether a call may be repeated.
 */
export function bound<C extends object, K extends keyof C>(client: C, name: K): C[K] {
  const method = client[name] as unknown as ((...args: unknown[]) => unknown) & { path?: string };
  return Object.assign(method.bind(client), { path: method.path }) as C[K];
}

/** A unary RPC as the sub-clients expose it: partial request in, response out. */
export type UnaryCaller<Req, Res> = (request?: Partial<Req>, call?: CallOptions) => Promise<Res>;

/** Wraps a raw method so callers pass only the request fields they care about. */
export function unaryCaller<Req extends object, Res>(
  rpc: Rpc,
  method: UnaryMethod<Req, Res>,
  defaults: Req,
): UnaryCaller<Req, Res> {
  return (request, call) => rpc.unary(method, withDefaults(defaults, request), call);
}
