import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs, DEFAULT_BACKOFF, sleep } from './backoff.js';

describe('backoff', () => {
  it('doubles the ceiling from the base up to the cap (full jitter: random * ceiling)', () => {
    const top = () => 0.999999;
    const ceilings = Array.from({ length: 8 }, (_, n) => backoffDelayMs(n, DEFAULT_BACKOFF, top));
    expect(ceilings).toEqual([249, 499, 999, 1999, 3999, 3999, 3999, 3999]);
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelayMs(1000, DEFAULT_BACKOFF, top)).toBe(3999);
  });

  it('spreads delays uniformly below the ceiling', () => {
    const samples = Array.from({ length: 2000 }, () => backoffDelayMs(3, DEFAULT_BACKOFF));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(2000);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(800);
    expect(mean).toBeLessThan(1200);
  });

  it('counts attempts and starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000 }, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('sleep ends early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, controller.signal);
    controller.abort();
    expect(await slept).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await sleep(1)).toBe(true);
  });
});
