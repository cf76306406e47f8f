/**
 * Jittered exponential backoff ("full jitter"): the n-th retry waits a uniformly
 * random time in [0, min(cap, base * 2^n)), so a fleet of agents that lost the
 * controller at the same moment does not reconnect in lockstep.
 */

/** Backoff timings. */
export interface BackoffOptions {
  /** The first retry waits up to this long. */
  baseMs: number;
  /** No retry waits longer than this. */
  capMs: number;
}

/** The agent's defaults: 250 ms base, 4 s cap (after a controller restart, thousands of agents are back within seconds). */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 250, capMs: 4_000 });

/** The delay before retry number `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * exp);
}

/** Counts consecutive failures; `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next retry; each call doubles the ceiling up to the cap. */
  next(): number {
    return backoffDelayMs(this.attempt++, this.options, this.random);
  }

  /** Called after a success: the next failure starts from the base again. */
  reset(): void {
    this.attempt = 0;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}

/** Waits `ms`; resolves early (to false) when `signal` aborts, else to true. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
