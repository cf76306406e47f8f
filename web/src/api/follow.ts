/**
 * Follows a server stream through controller restarts and replica hand-overs: a transient error (UNAVAILABLE, ...)
 * or a stream that ends early reopens it after a jittered, growing pause; `open` is called again and resumes where
 * the caller left off (WatchRun's after_sequence). Any other error ends the following and is reported.
 */
import { isTransient, problemOf, type ApiProblem } from './errors.js';

export type Connection = { state: 'connecting' } | { state: 'live' } | { state: 'retrying'; problem: ApiProblem; inMs: number } | { state: 'ended' } | { state: 'failed'; problem: ApiProblem };

export interface FollowOptions<T> {
  open: (signal: AbortSignal) => AsyncIterable<T>;
  onMessage: (message: T) => void;
  onConnection?: (connection: Connection) => void;
  /** True when the stream ended because there is nothing more to follow (a final run): no reopening. */
  isDone?: () => boolean;
}

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 10_000;

/** Starts following; the returned function stops it. */
export function follow<T>(options: FollowOptions<T>): () => void {
  const stop = new AbortController();
  const report = options.onConnection ?? (() => undefined);
  void (async () => {
    let pause = FIRST_PAUSE_MS;
    while (!stop.signal.aborted) {
      report({ state: 'connecting' });
      try {
        let first = true;
        for await (const message of options.open(stop.signal)) {
          if (first) {
            report({ state: 'live' });
            first = false;
            pause = FIRST_PAUSE_MS;
          }
          options.onMessage(message);
        }
        if (options.isDone?.() ?? true) {
          report({ state: 'ended' });
          return;
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        if (!isTransient(err)) {
          report({ state: 'failed', problem: problemOf(err) });
          return;
        }
        const inMs = Math.round(pause * (0.5 + Math.random()));
        report({ state: 'retrying', problem: problemOf(err), inMs });
        await sleep(inMs, stop.signal);
        pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
        continue;
      }
      // Ended early without an error (the server closed the stream): reopen after a pause.
      await sleep(pause, stop.signal);
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  })();
  return () => stop.abort();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
