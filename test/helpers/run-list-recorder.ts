/**
 * Records a `runs.watchRuns` stream for a test: every update in order, the
 * runs the client would hold (the same id again replaces, `removed` takes
 * out), and how the stream ended; `until` waits for a condition on them.
 */
import type { Run, RunListUpdate } from '../../client/index.js';
import { waitFor } from './poll.js';

export class RunListRecorder {
  readonly updates: RunListUpdate[] = [];
  /** The runs held now, by id. */
  readonly runs = new Map<string, Run>();
  /** Every state each run was seen in, in order. */
  readonly states = new Map<string, string[]>();
  synced = false;
  ended = false;
  error: unknown;
  private readonly controller = new AbortController();
  readonly done: Promise<void>;

  constructor(open: (signal: AbortSignal) => AsyncIterable<RunListUpdate>) {
    this.done = (async () => {
      try {
        for await (const update of open(this.controller.signal)) this.record(update);
      } catch (error) {
        if (!this.controller.signal.aborted) this.error = error;
      } finally {
        this.ended = true;
      }
    })();
  }

  /** The runs sent before `synced`, in order. */
  get initial(): string[] {
    const end = this.updates.findIndex((u) => u.kind === 'synced');
    return this.updates.slice(0, end < 0 ? undefined : end).flatMap((u) => (u.kind === 'run' ? [u.run.id] : []));
  }

  /** Ids sent as removed, in order. */
  get removed(): string[] {
    return this.updates.flatMap((u) => (u.kind === 'removed' ? [u.id] : []));
  }

  /** Waits until `probe` holds; fails at once if the stream broke before. */
  async until(what: string, probe: (recorder: this) => boolean, timeoutMs = 60_000): Promise<void> {
    await waitFor(what, async () => (probe(this) || this.error !== undefined ? true : undefined), timeoutMs);
    if (!probe(this)) throw new Error(`the watch failed while waiting for ${what}`, { cause: this.error });
  }

  /** Cancels the stream and waits for it to end. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private record(update: RunListUpdate): void {
    this.updates.push(update);
    if (update.kind === 'synced') this.synced = true;
    if (update.kind === 'removed') this.runs.delete(update.id);
    if (update.kind === 'run') {
      this.runs.set(update.run.id, update.run);
      const seen = this.states.get(update.run.id) ?? [];
      if (seen.at(-1) !== update.run.state) seen.push(update.run.state ?? 'unknown');
      this.states.set(update.run.id, seen);
    }
  }
}
