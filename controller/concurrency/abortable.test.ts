import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { abortable, stopController } from './abortable.js';

const never = () => new Promise<never>(() => undefined);

describe('abortable', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  afterEach(() => {
    process.off('warning', onWarning);
    warnings.length = 0;
  });

  it("settles as the call does, and removes its listener from the stop's signal", async () => {
    const stop = stopController();
    await expect(abortable(Promise.resolve(7), stop.signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('cloud said no')), stop.signal)).rejects.toThrow('cloud said no');
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    stop.abort(new Error('the controller stops'));
    // A call begun after the stop is let go of at once.
    await expect(abortable(Promise.resolve(1), stop.signal)).rejects.toThrow('the controller stops');
  });

  it('lets go of every call still in flight when the stop comes, however many wait on it, without a leak warning', async () => {
    process.on('warning', onWarning);
    const stop = stopController();
    const calls = Array.from({ length: 50 }, () => abortable(never(), stop.signal));
    stop.abort(new Error('the controller stops'));
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).message === 'the controller stops')).toBe(true);
    // Node emits the warning on the next tick after the 11th listener.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});
