import { setMaxListeners } from 'node:events';

/**
 * `promise`, or the signal's reason as soon as it aborts: for a call that
 * takes no signal of its own (a cloud SDK call, say), so that whoever waits
 * on it is let go. The call runs on, its outcome ignored.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The controller of a stop that every call in flight waits on through
 * `abortable`: one listener per call, so more than Node's default of 10 is
 * the normal case, not the leak its warning would report.
 */
export function stopController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
