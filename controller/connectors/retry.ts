import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import { ConnectorError } from './connector.js';

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
}

/**
 * Runs a cloud call, retrying retryable ConnectorErrors with exponential
 * backoff and jitter; a cloud's Retry-After hint adds its wait first. An
 * abort of `signal` ends a wait (the backoff's or the hint's) and rejects at
 * once; a call in flight is not cut.
 */
export function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  return pRetry(call, {
    retries: options.attempts - 1,
    minTimeout: options.baseDelayMs,
    maxTimeout: options.maxDelayMs,
    randomize: true,
    ...(options.signal ? { signal: options.signal } : {}),
    shouldRetry: ({ error }) => error instanceof ConnectorError && error.retryable,
    onFailedAttempt: async ({ error }) => {
      const hint = error instanceof ConnectorError ? error.retryAfterMs : undefined;
      if (hint) await delay(hint, undefined, options.signal ? { signal: options.signal } : {});
    },
  });
}
