import type { RunWork } from './run-batch.js';

/** Most items one transaction applies; more wait for the next batch. */
export const MAX_BATCH = 2_000;

/**
 * The queue of the engine's group commit: work for a run queues while a batch
 * of it commits, and the next batch takes everything queued (up to
 * MAX_BATCH). An item carries the one promise its caller waits on, and
 * `commit` settles every item of its batch: the queue adds no promise per item.
 */
export class RunQueue {
  private readonly queues = new Map<string, RunWork[]>();

  /** `track` is given each drain (one per run while it has work), for a shutdown to wait on. */
  constructor(
    private readonly commit: (runId: string, batch: RunWork[]) => Promise<void>,
    private readonly track: (drain: Promise<void>) => void,
  ) {}

  submit(runId: string, work: RunWork): void {
    const queue = this.queues.get(runId);
    if (queue) {
      queue.push(work);
      return;
    }
    const fresh = [work];
    this.queues.set(runId, fresh);
    this.track(this.drain(runId, fresh));
  }

  private async drain(runId: string, queue: RunWork[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await this.commit(runId, batch);
      } catch (err) {
        // `commit` settles its items; should it throw all the same, none is left waiting.
        for (const work of batch) work.reject(err);
      }
    }
    this.queues.delete(runId);
  }
}
