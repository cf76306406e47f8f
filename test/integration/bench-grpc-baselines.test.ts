import { describe, expect, it } from 'vitest';
import { measureBareReconnect } from '../../bench/baselines/bare-reconnect.js';
import { measureRawFanout } from '../../bench/baselines/raw-fanout.js';

// The bench's bare grpc-js baselines at a few streams: each must measure something real and end with its children.
describe('bare grpc-js baselines', () => {
  it('raw fan-out delivers to every stream and times the last arrival', async () => {
    const result = await measureRawFanout({ streams: 12, processes: 2 });
    expect(result.streams).toBe(12);
    expect(Number.isFinite(result.ms)).toBe(true);
    expect(result.ms).toBeGreaterThan(0);
  });

  it('bare reconnect brings every stream back to the restarted server, after its stop and start', async () => {
    const result = await measureBareReconnect({ clients: 12, processes: 2 });
    expect(result.clients).toBe(12);
    expect(result.downMs).toBeGreaterThan(0);
    // Every stream's first answer from the new server comes after the restart began, so after the server was down.
    expect(result.ms).toBeGreaterThanOrEqual(result.downMs);
  });

  it('refuses more processes than streams, and sizes below one', async () => {
    await expect(measureRawFanout({ streams: 1, processes: 2 })).rejects.toThrow(/processes \(2\) must not exceed streams \(1\)/);
    await expect(measureBareReconnect({ clients: 0, processes: 1 })).rejects.toThrow(/clients/);
  });
});
