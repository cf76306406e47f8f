import { describe, expect, it } from 'vitest';
import { heartbeatIntervalMs, MAX_HEARTBEAT_INTERVAL_MS, MIN_HEARTBEAT_INTERVAL_MS } from './heartbeat-interval.js';

describe('heartbeat interval', () => {
  it('is the minimum up to a thousand agents, then doubles as they double, up to the maximum', () => {
    expect(heartbeatIntervalMs(0)).toBe(MIN_HEARTBEAT_INTERVAL_MS);
    expect(heartbeatIntervalMs(1_000)).toBe(5_000);
    expect(heartbeatIntervalMs(1_001)).toBe(10_000);
    expect(heartbeatIntervalMs(2_000)).toBe(10_000);
    expect(heartbeatIntervalMs(4_000)).toBe(20_000);
    expect(heartbeatIntervalMs(5_000)).toBe(40_000);
    expect(heartbeatIntervalMs(8_001)).toBe(MAX_HEARTBEAT_INTERVAL_MS);
    expect(heartbeatIntervalMs(1_000_000)).toBe(MAX_HEARTBEAT_INTERVAL_MS);
  });

  it('keeps 10,000 agents welcomed one after another near 500 heartbeats a second, against 2,000 at 5 s each', () => {
    let perSecond = 0;
    for (let connected = 1; connected <= 10_000; connected++) perSecond += 1_000 / heartbeatIntervalMs(connected);
    expect(perSecond).toBeGreaterThan(500);
    expect(perSecond).toBeLessThan(550);
  });
});
