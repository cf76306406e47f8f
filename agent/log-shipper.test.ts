import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogBatch } from '../proto/gen/slipstream/v1/agent.js';
import { LogBuffer } from './log-buffer.js';
import { LogShipper } from './log-shipper.js';

const OPTIONS = { batchLines: 3, intervalMs: 100 };

function harness() {
  const buffer = new LogBuffer('w.1');
  const shipper = new LogShipper(buffer, OPTIONS);
  const batches: LogBatch[] = [];
  const pendingWrites: (() => void)[] = [];
  shipper.attach((batch, done) => {
    batches.push(batch);
    pendingWrites.push(done);
  });
  const texts = () => batches.map((b) => b.lines.map((l) => l.text));
  const completeWrites = () => pendingWrites.splice(0).forEach((done) => done());
  return { buffer, shipper, texts, completeWrites };
}

describe('LogShipper', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ships a line within the interval, and keeps no timer while nothing waits', async () => {
    const { buffer, texts, completeWrites } = harness();
    await vi.runOnlyPendingTimersAsync();
    expect(vi.getTimerCount()).toBe(0);

    buffer.push('deployment', 'stdout', 'one');
    await vi.advanceTimersByTimeAsync(OPTIONS.intervalMs - 1);
    expect(texts()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(texts()).toEqual([['one']]);

    completeWrites();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ships a full batch at once', async () => {
    const { buffer, texts } = harness();
    for (const text of ['a', 'b', 'c']) buffer.push('deployment', 'stdout', text);
    await vi.advanceTimersByTimeAsync(0);
    expect(texts()).toEqual([['a', 'b', 'c']]);
  });

  it('ships lines that came while a batch was in flight once the stream took it', async () => {
    const { buffer, texts, completeWrites } = harness();
    buffer.push('deployment', 'stdout', 'first');
    await vi.advanceTimersByTimeAsync(OPTIONS.intervalMs);
    buffer.push('deployment', 'stdout', 'second');
    await vi.advanceTimersByTimeAsync(OPTIONS.intervalMs * 3);
    expect(texts()).toEqual([['first']]);

    completeWrites();
    await vi.advanceTimersByTimeAsync(OPTIONS.intervalMs);
    expect(texts()).toEqual([['first'], ['second']]);
  });

  it('keeps lines while detached and ships them when attached again', async () => {
    const { buffer, shipper, texts } = harness();
    shipper.detach();
    buffer.push('deployment', 'stdout', 'offline');
    await vi.advanceTimersByTimeAsync(OPTIONS.intervalMs * 3);
    expect(texts()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    const again: LogBatch[] = [];
    shipper.attach((batch) => again.push(batch));
    await vi.advanceTimersByTimeAsync(0);
    expect(again.map((b) => b.lines.map((l) => l.text))).toEqual([['offline']]);
  });
});
