import { ServerInterceptingCall, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';

/**
 * Counts the calls a stop must let finish: unary and client-streaming calls
 * (a request, then one answer). Calls that stream answers (an agent's
 * session, a watch) never finish by themselves, so a stop does not wait for
 * them; it ends them. With 10,000 agents connected, waiting for every
 * connection to close gracefully took the whole grace period.
 */
export class InflightCalls {
  private count = 0;
  private waiting: (() => void)[] = [];

  /** The server interceptor that does the counting (Server option `interceptors`). */
  readonly interceptor: ServerInterceptor = (method, call) => {
    // Passed through untouched: every message of a session would otherwise go through one more layer.
    if (method.responseStream) return call as ServerInterceptingCall;
    return this.track(call);
  };

  get size(): number {
    return this.count;
  }

  /** Resolves once no counted call is in flight (at once when none is). */
  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private track(call: ServerInterceptingCallInterface): ServerInterceptingCall {
    let open = true;
    const done = () => {
      if (!open) return;
      open = false;
      if (--this.count === 0) for (const resolve of this.waiting.splice(0)) resolve();
    };
    this.count++;
    return new ServerInterceptingCall(call, {
      start: (next) => next({ onCancel: done }),
      sendStatus: (status, next) => {
        next(status);
        done();
      },
    });
  }
}
