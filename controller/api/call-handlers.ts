/**
 * The one wrapper every served handler goes through, one adapter per kind of
 * gRPC call (unary, server stream, client stream, bidirectional stream). Each
 * gives its handler the call's metadata and an AbortSignal, runs it, and
 * maps what it throws to a gRPC status (errors.ts). Who may call (users'
 * roles and limits, agent credentials) is the layer above (rpc.ts, the agent
 * service).
 */
import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { toStatus } from './errors.js';

/** What a handler gets besides its request. */
export interface CallScope {
  metadata: Metadata;
  /**
   * Aborts when the call is cancelled: by its client, by its deadline
   * passing (grpc-js answers DEADLINE_EXCEEDED itself), by its connection
   * closing, by the server's forced shutdown. grpc-js reports every call's end
   * the same way, so it also aborts once the call is over: a listener added to
   * it is always let go. Handlers pass it to what they wait on.
   */
  signal: AbortSignal;
}

/** What grpc-js gives every kind of call: whether it is cancelled, and its 'cancelled' event. */
interface CancellableCall {
  cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
}

/**
 * The reason every call's signal aborts with. One shared error: abort() without a reason builds a DOMException and
 * captures its stack, 8-10 us more per call measured here, paid at every call's end (grpc-js reports the end of each call
 * as a cancel) and 10,000 times over when a shutdown cancels 10,000 agent sessions (172 ms of the 2.9 s stop in
 * a profile). Named AbortError, as the default reason is, for code that tells an abort by its name; frozen, as it is shared.
 */
export const CALL_ENDED: Error = Object.freeze(Object.assign(new Error('the call ended: cancelled, past its deadline, its connection gone, or over'), { name: 'AbortError' }));

/** The signal of `call` (see CallScope.signal). */
export function callSignal(call: CancellableCall): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort(CALL_ENDED);
  else call.once('cancelled', () => controller.abort(CALL_ENDED));
  return controller.signal;
}

/**
 * Whether `err` says only that the client went away: the call's signal
 * aborted and the error is the abort (thrown by a wait that took the signal),
 * or the client's stream of messages closed before its end.
 */
export function callGone(err: unknown, signal: AbortSignal): boolean {
  if (signal.aborted && (err === signal.reason || (err as Error | undefined)?.name === 'AbortError')) return true;
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/**
 * A unary call: answers the handler's response, or its error as a status
 * (an unexpected one logged). A call its client left (callGone) is not
 * answered: nobody listens, and nothing failed.
 */
export function unaryHandler<Req, Res>(log: Logger, handler: (request: Req, scope: CallScope) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const signal = callSignal(call);
    void (async () => {
      try {
        callback(null, await handler(call.request, { metadata: call.metadata, signal }));
      } catch (err) {
        if (!callGone(err, signal)) callback(toStatus(err, log));
      }
    })();
  };
}

/** What a server-streaming handler adds to its scope: `write` waits while the client reads slowly, never past the call's end. */
export interface StreamScope<Res> extends CallScope {
  write: (message: Res) => Promise<void>;
}

/**
 * A server stream: the handler writes its messages, and the stream ends when
 * it returns or, with its error as a status, when it throws. Once the call
 * is cancelled nothing more is written or answered, and errors are not
 * logged: what a cancelled stream's handler trips over (a read cut by
 * shutdown, a write to a closed stream) says nothing.
 */
export function serverStreamHandler<Req, Res>(
  log: Logger,
  handler: (request: Req, scope: StreamScope<Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const signal = callSignal(call);
    const write = (message: Res) =>
      new Promise<void>((resolve) => {
        if (signal.aborted || call.write(message)) return resolve();
        const done = () => {
          call.off('drain', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        call.once('drain', done);
        signal.addEventListener('abort', done, { once: true });
      });
    void (async () => {
      try {
        await handler(call.request, { metadata: call.metadata, signal, write });
        if (!signal.aborted) call.end();
      } catch (err) {
        if (!signal.aborted) call.emit('error', toStatus(err, log));
      }
    })();
  };
}

/**
 * A client stream: the handler reads the call's messages and returns the
 * response. Answered as a unary call is; a call whose client left (callGone,
 * or cancelled by the time the handler failed) is not answered.
 */
export function clientStreamHandler<Req, Res>(
  log: Logger,
  handler: (call: ServerReadableStream<Req, Res>, scope: CallScope) => Promise<Res>,
): handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    const signal = callSignal(call);
    void (async () => {
      try {
        callback(null, await handler(call, { metadata: call.metadata, signal }));
      } catch (err) {
        if (!signal.aborted && !callGone(err, signal)) callback(toStatus(err, log));
      }
    })();
  };
}

/**
 * A bidirectional stream: the handler starts the conversation and may return
 * while it goes on (it ends the call itself, or its client does). An error
 * it throws ends the call with its status, unless the call is cancelled.
 */
export function bidiStreamHandler<Req, Res>(
  log: Logger,
  handler: (call: ServerDuplexStream<Req, Res>, scope: CallScope) => Promise<void>,
): handleBidiStreamingCall<Req, Res> {
  return (call) => {
    const signal = callSignal(call);
    void (async () => {
      try {
        await handler(call, { metadata: call.metadata, signal });
      } catch (err) {
        if (!signal.aborted) call.emit('error', toStatus(err, log));
      }
    })();
  };
}
