import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-buckets.js';

function clock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('TokenBuckets', () => {
  it('lets a burst through, then one call per refill, and says exactly how long to wait', () => {
    const time = clock();
    const buckets = new TokenBuckets({ burst: 3, perSecond: 2 }, time.now);
    for (let i = 0; i < 3; i++) {
      expect(buckets.waitMs('t')).toBe(0);
      buckets.take('t');
    }
    expect(buckets.waitMs('t')).toBe(500);
    time.advance(499);
    expect(buckets.waitMs('t')).toBe(1);
    time.advance(1);
    expect(buckets.waitMs('t')).toBe(0);
  });

  it('keeps keys apart and refills no further than the burst', () => {
    const time = clock();
    const buckets = new TokenBuckets({ burst: 1, perSecond: 1 }, time.now);
    buckets.take('a');
    expect(buckets.waitMs('a')).toBe(1000);
    expect(buckets.waitMs('b')).toBe(0);
    time.advance(60_000);
    buckets.take('a');
    expect(buckets.waitMs('a')).toBe(1000);
  });

  it('forgets buckets that are full again, so idle tokens cost no memory', () => {
    const time = clock();
    const buckets = new TokenBuckets({ burst: 5, perSecond: 1 }, time.now);
    for (let i = 0; i < 100; i++) buckets.take(`token-${i}`);
    expect(buckets.size).toBe(100);
    time.advance(61_000);
    buckets.take('fresh');
    expect(buckets.size).toBe(1);
  });

  it('limits nothing at rate 0', () => {
    const buckets = new TokenBuckets({ burst: 0, perSecond: 0 });
    for (let i = 0; i < 1000; i++) buckets.take('t');
    expect(buckets.waitMs('t')).toBe(0);
    expect(buckets.size).toBe(0);
  });
});
