import type { RunState } from '../../common/runs/states.js';

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
    return register(this.listeners, runId, kinds, listener);
  }

  /** Subscribes to the values of some of a run's parameters; returns the unsubscribe function. */
  subscribeKeys(runId: string, keys: readonly string[], listener: KeyListener): () => void {
    return register(this.keyListeners, runId, keys, listener);
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

/** Files `listener` under each of `names` of the run in `registry` (run, then name); returns the function that takes it out again. */
function register<Name, Listener>(registry: Map<string, Map<Name, Set<Listener>>>, runId: string, names: readonly Name[], listener: Listener): () => void {
  let byName = registry.get(runId);
  if (!byName) registry.set(runId, (byName = new Map()));
  for (const name of names) {
    let set = byName.get(name);
    if (!set) byName.set(name, (set = new Set()));
    set.add(listener);
  }
  return () => {
    for (const name of names) {
      const set = byName.get(name);
      set?.delete(listener);
      if (set?.size === 0) byName.delete(name);
    }
    if (byName.size === 0 && registry.get(runId) === byName) registry.delete(runId);
  };
}
