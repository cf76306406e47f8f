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

/** Told each committed value of a watched parameter. */
export type KeyListener = (key: string, value: string) => void;

/**
 * Change notifications per run. This implementation delivers in-process; it is
 * the seam where a PostgreSQL LISTEN/NOTIFY feed plugs in so that every
 * controller replica hears every committed change (subscribers do not change).
 */
const ALL_KINDS: readonly RunChange['kind'][] = ['journal', 'parameters', 'state', 'instances'];

export class RunBus {
  /** Per run and kind of change: 10,000 agent sessions that wait only for the run's end must not hear every log line. */
  private readonly listeners = new Map<string, Map<RunChange['kind'], Set<RunListener>>>();
  /** Per run and key: thousands of agents each waiting on its own keys must not all hear every value. */
  private readonly keyListeners = new Map<string, Map<string, Set<KeyListener>>>();

  /** Subscribes to one run's changes (of the given kinds, default all); returns the unsubscribe function. */
  subscribe(runId: string, listener: RunListener, kinds: readonly RunChange['kind'][] = ALL_KINDS): () => void {
    let byKind = this.listeners.get(runId);
    if (!byKind) this.listeners.set(runId, (byKind = new Map()));
    for (const kind of kinds) {
      let set = byKind.get(kind);
      if (!set) byKind.set(kind, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const kind of kinds) {
        const set = byKind.get(kind);
        set?.delete(listener);
        if (set?.size === 0) byKind.delete(kind);
      }
      if (byKind.size === 0 && this.listeners.get(runId) === byKind) this.listeners.delete(runId);
    };
  }

  /** Subscribes to the values of some of a run's parameters; returns the unsubscribe function. */
  subscribeKeys(runId: string, keys: readonly string[], listener: KeyListener): () => void {
    let byKey = this.keyListeners.get(runId);
    if (!byKey) this.keyListeners.set(runId, (byKey = new Map()));
    for (const key of keys) {
      let set = byKey.get(key);
      if (!set) byKey.set(key, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const key of keys) {
        const set = byKey.get(key);
        set?.delete(listener);
        if (set?.size === 0) byKey.delete(key);
      }
      if (byKey.size === 0 && this.keyListeners.get(runId) === byKey) this.keyListeners.delete(runId);
    };
  }

  /** Announces a committed change to every subscriber of the run (and each value to the watchers of its key). */
  publish(runId: string, change: RunChange): void {
    const listeners = this.listeners.get(runId)?.get(change.kind);
    if (listeners) for (const listener of [...listeners]) listener(change);
    if (change.kind !== 'parameters') return;
    const byKey = this.keyListeners.get(runId);
    if (!byKey) return;
    for (const { key, value } of change.values) {
      const watchers = value === null ? undefined : byKey.get(key);
      if (watchers) for (const watcher of [...watchers]) watcher(key, value!);
    }
  }
}
