import { describe, expect, it } from 'vitest';
import { LatestThrottle } from './latest-throttle.js';

describe('LatestThrottle', () => {
  it('lets a quiet key through at once and folds a burst into one more take when the interval ends', () => {
    const throttle = new LatestThrottle(250);
    throttle.mark('a');
    expect(throttle.take(1_000)).toEqual({ due: ['a'], nextAt: undefined });
    for (let i = 0; i < 100; i++) throttle.mark('a');
    expect(throttle.size).toBe(1);
    expect(throttle.take(1_100)).toEqual({ due: [], nextAt: 1_250 });
    expect(throttle.take(1_249)).toEqual({ due: [], nextAt: 1_250 });
    expect(throttle.take(1_250)).toEqual({ due: ['a'], nextAt: undefined });
    expect(throttle.size).toBe(0);
    expect(throttle.take(5_000)).toEqual({ due: [], nextAt: undefined });
  });

  it('keeps each key to its own interval: a busy key waits while another goes out at once', () => {
    const throttle = new LatestThrottle(250);
    throttle.mark('busy');
    throttle.take(0);
    throttle.mark('busy');
    throttle.mark('quiet');
    expect(throttle.take(100)).toEqual({ due: ['quiet'], nextAt: 250 });
    throttle.mark('quiet');
    expect(throttle.take(260)).toEqual({ due: ['busy'], nextAt: 350 });
    expect(throttle.take(350)).toEqual({ due: ['quiet'], nextAt: undefined });
  });

  it('sends a key again at once once its interval has passed without a change', () => {
    const throttle = new LatestThrottle(250);
    throttle.mark('a');
    throttle.take(0);
    throttle.mark('a');
    expect(throttle.take(300).due).toEqual(['a']);
  });
});
