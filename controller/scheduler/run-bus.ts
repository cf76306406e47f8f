import type { RunState } from '../domain/runs/types.js';

/** One journal entry as watchers see it. */
export interface JournalView {
  sequence: number;
  time: Date;
  kind: 'event' | 'parameter' | 'log';
  type: string;
  actor: string;
  instance: string;
  subject: string;
  text: string;
}

/** What changed in a run, announced after the change committed. */
export type RunChange =
  | { kind: 'journal'; entries: JournalView[] }
  | { kind: 'parameters'; values: { key: string; value: string | null }[] }
  | { kind: 'state'; state: RunState; epoch: number; abortMessage: string | undefined }
  | { kind: 'instances' };

export type RunListener = (change: RunChange) => void;

/**
 * Change notifications per run. This implementation delivers in-process; it is
 * the seam where a PostgreSQL LISTEN/NOTIFY feed plugs in so that every
 * controller replica hears every committed change (subscribers do not change).
 */
export class RunBus {
  private readonly listeners = new Map<string, Set<RunListener>>();

  /** Subscribes to one run's changes; returns the unsubscribe function. */
  subscribe(runId: string, listener: RunListener): () => void {
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }

  /** Announces a committed change to every subscriber of the run. */
  publish(runId: string, change: RunChange): void {
    for (const listener of [...(this.listeners.get(runId) ?? [])]) listener(change);
  }
}
