/**
 * The group commit's queue: the first item of an idle run commits at once,
 * the items that arrive meanwhile go together in the next batch, runs do not
 * wait for each other, and no item is left waiting when a commit throws.
 */
import { describe, expect, it } from 'vitest';
import type { RunWork } from './run-batch.js';
import { MAX_BATCH, RunQueue } from './run-queue.js';

/** A log item whose promise is what the test awaits. */
function item(): { work: RunWork; done: Promise<void> } {
  let work!: RunWork;
  const done = new Promise<void>((resolve, reject) => (work = { kind: 'logs', entries: [], resolve, reject }));
  return { work, done };
}

/** A queue whose commits wait until the test releases them, recording each batch. */
function heldQueue(fail = false) {
  const batches: { runId: string; size: number }[] = [];
  const releases: (() => void)[] = [];
  const drains: Promise<void>[] = [];
  const queue = new RunQueue(
    async (runId, batch) => {
      batches.push({ runId, size: batch.length });
      await new Promise<void>((release) => releases.push(release));
      if (fail) throw new Error('commit failed');
      for (const work of batch) (work.resolve as () => void)();
    },
    (drain) => drains.push(drain),
  );
  return { queue, batches, drains, release: () => releases.shift()!() };
}

describe('RunQueue', () => {
  it('commits the first item at once and what queued meanwhile as the next batch; runs apart', async () => {
    const { queue, batches, drains, release } = heldQueue();
    const first = item();
    queue.submit('run-1', first.work);
    expect(batches).toEqual([{ runId: 'run-1', size: 1 }]);
    const waiting = [item(), item(), item()];
    for (const w of waiting) queue.submit('run-1', w.work);
    queue.submit('run-2', item().work);
    // Another run's first item does not wait behind run-1's batch.
    expect(batches).toEqual([{ runId: 'run-1', size: 1 }, { runId: 'run-2', size: 1 }]);
    release();
    await first.done;
    await expect.poll(() => batches.length).toBe(3);
    expect(batches[2]).toEqual({ runId: 'run-1', size: 3 });
    release();
    release();
    await Promise.all(waiting.map((w) => w.done));
    // One drain per run while it had work, not one per item.
    expect(drains).toHaveLength(2);
    await Promise.all(drains);
  });

  it('takes at most MAX_BATCH items a batch', async () => {
    const { queue, batches, drains, release } = heldQueue();
    queue.submit('run-1', item().work);
    for (let i = 0; i < MAX_BATCH + 1; i++) queue.submit('run-1', item().work);
    release();
    await expect.poll(() => batches.length).toBe(2);
    release();
    await expect.poll(() => batches.length).toBe(3);
    release();
    await Promise.all(drains);
    expect(batches.map((b) => b.size)).toEqual([1, MAX_BATCH, 1]);
  });

  it('rejects the items of a commit that throws, and goes on with the next batch', async () => {
    const { queue, batches, drains, release } = heldQueue(true);
    const first = item();
    const second = item();
    queue.submit('run-1', first.work);
    queue.submit('run-1', second.work);
    release();
    await expect(first.done).rejects.toThrow('commit failed');
    await expect.poll(() => batches.length).toBe(2);
    release();
    await expect(second.done).rejects.toThrow('commit failed');
    await Promise.all(drains);
  });
});
