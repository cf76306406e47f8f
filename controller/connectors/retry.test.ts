import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/poll.js';
import { ConnectorError } from './connector.js';
import { withRetries } from './retry.js';

/** A call that fails retryably, with the cloud's Retry-After hint when given, and counts its attempts. */
function failingCall(retryAfterMs?: number) {
  const call = async (): Promise<string> => {
    call.attempts++;
    throw new ConnectorError('transient', 'throttled', retryAfterMs === undefined ? {} : { retryAfterMs });
  };
  call.attempts = 0;
  return call;
}

describe('withRetries', () => {
  it('waits out the cloud’s Retry-After hint, then retries', async () => {
    const call = failingCall(20);
    await expect(withRetries(call, { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 })).rejects.toThrow('throttled');
    expect(call.attempts).toBe(2);
  });

  it('an abort ends a Retry-After wait at once, with no further attempt', async () => {
    const call = failingCall(3_600_000);
    const stop = new AbortController();
    const retrying = withRetries(call, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, signal: stop.signal });
    await waitFor('the first attempt', async () => (call.attempts === 1 ? true : undefined));
    stop.abort(new Error('stopping'));
    await expect(retrying).rejects.toMatchObject({ name: 'AbortError' });
    expect(call.attempts).toBe(1);
  });

  it('an abort ends a backoff wait at once, with the signal’s reason', async () => {
    const call = failingCall();
    const stop = new AbortController();
    const retrying = withRetries(call, { attempts: 3, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, signal: stop.signal });
    await waitFor('the first attempt', async () => (call.attempts === 1 ? true : undefined));
    stop.abort(new Error('stopping'));
    await expect(retrying).rejects.toThrow('stopping');
    expect(call.attempts).toBe(1);
  });
});
