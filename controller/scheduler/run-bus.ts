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

/** How a run changed, as a watcher of every run hears it: a change's kind, or `deleted` (its rows are gone). */
export type RunActivityKind = RunChange['kind'] | 'deleted';

/**
 * A watcher of every run (WatchRuns): told which run changed and how, here or
 * on another replica, not what changed (it reads the run again).
 */
export interface RunActivityWatcher {
  changed(runId: string, kinds: readonly RunActivityKind[]): void;
  /** Changes of other replicas may have gone unheard (the notification connection was lost): read everything again. */
  mayHaveMissed(): void;
}

/** Told each committed value of a watched parameter. */
export type KeyListener = (key: string, value: string) => void;

/**
 * What carries a bus's changes between controller replicas
 * (controller/cluster/run-feed.ts): it learns which runs have subscribers
 * here, and sees each local publish first.
 */
export interface RunBusTap {
  /** A run got its first subscriber (of changes or of keys). */
  watched(runId: string): void;
  /** A run lost its last subscriber. */
  unwatched(runId: string): void;
  /** Resolves once changes other replicas commit to the watched run from now on reach its subscribers here (the feed's starting point is read). */
  listening?(runId: string): Promise<void>;
  /** A local publish, before subscribers hear it: returns what they are to hear, undefined for nothing (they heard it already). */
  published(runId: string, change: RunChange): RunChange | undefined;
  /** Runs this process deleted, for the other replicas' watchers of every run. */
  deleted?(runIds: readonly string[]): void;
}

const ALL_KINDS: readonly RunChange['kind'][] = ['journal', 'parameters', 'state', 'instances'];

/**
 * Change notifications per run, delivered in-process. With a tap (the
 * PostgreSQL feed), every controller replica hears every committed change;
 * subscribers do not change.
 */
export class RunBus {
  /** Per run and kind of change: 10,000 agent sessions that wait only for the run's end must not hear every log line. */
  private readonly listeners = new Map<string, Map<RunChange['kind'], Set<RunListener>>>();
  /** Per run and key: thousands of agents each waiting on its own keys must not all hear every value. */
  private readonly keyListeners = new Map<string, Map<string, Set<KeyListener>>>();
  private readonly activityWatchers = new Set<RunActivityWatcher>();
  private tap: RunBusTap | undefined;

  /** Subscribes to one run's changes (of the given kinds, default all); returns the unsubscribe function. */
  subscribe(runId: string, listener: RunListener, kinds: readonly RunChange['kind'][] = ALL_KINDS): () => void {
    return this.watching(runId, () => register(this.listeners, runId, kinds, listener));
  }

  /**
   * Resolves once a subscriber of the run hears every change committed from now on, also on another replica: a
   * watch reads its backlog from the database after this, so that nothing commits between the backlog and what
   * the feed starts from. At once without a tap or for a run nobody here subscribes to.
   */
  listening(runId: string): Promise<void> {
    return (this.isWatched(runId) && this.tap?.listening?.(runId)) || Promise.resolve();
  }

  /** Subscribes to the values of some of a run's parameters; returns the unsubscribe function. */
  subscribeKeys(runId: string, keys: readonly string[], listener: KeyListener): () => void {
    return this.watching(runId, () => register(this.keyListeners, runId, keys, listener));
  }

  /** Watches every run's activity (all tenants'; the watcher filters); returns the unsubscribe function. */
  subscribeActivity(watcher: RunActivityWatcher): () => void {
    this.activityWatchers.add(watcher);
    return () => void this.activityWatchers.delete(watcher);
  }

  /** Announces a change committed by this process to every subscriber of the run (and each value to the watchers of its key), through the tap if there is one. */
  publish(runId: string, change: RunChange): void {
    const heard = this.tap ? this.tap.published(runId, change) : change;
    if (heard) this.deliver(runId, heard);
    this.activity(runId, [change.kind]);
  }

  /** Announces runs this process deleted to the watchers of every run, here and (through the tap) on the other replicas. */
  deleted(runIds: readonly string[]): void {
    if (runIds.length === 0) return;
    this.tap?.deleted?.(runIds);
    for (const runId of runIds) this.activity(runId, ['deleted']);
  }

  /** Another replica's change (or deletion) of a run, for the watchers of every run here (the tap's notices). */
  noticed(runId: string, kinds: readonly RunActivityKind[]): void {
    this.activity(runId, kinds);
  }

  /** The tap may have missed other replicas' notices: the watchers of every run read again. */
  missedNotices(): void {
    for (const watcher of [...this.activityWatchers]) watcher.mayHaveMissed();
  }

  /** Announces a change that committed elsewhere (another replica's), to this process's subscribers only: the tap does not see it. */
  deliver(runId: string, change: RunChange): void {
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

  /** Lets `tap` see subscriptions and local publishes (one tap at a time); returns the function that removes it. */
  setTap(tap: RunBusTap): () => void {
    this.tap = tap;
    return () => {
      if (this.tap === tap) this.tap = undefined;
    };
  }

  private activity(runId: string, kinds: readonly RunActivityKind[]): void {
    for (const watcher of [...this.activityWatchers]) watcher.changed(runId, kinds);
  }

  /** The runs with at least one subscriber here. */
  watchedRuns(): string[] {
    return [...new Set([...this.listeners.keys(), ...this.keyListeners.keys()])];
  }

  private isWatched(runId: string): boolean {
    return this.listeners.has(runId) || this.keyListeners.has(runId);
  }

  /** Registers a subscriber, telling the tap when it is the run's first, and, on unsubscribe, when it was the last. */
  private watching(runId: string, add: () => () => void): () => void {
    const first = !this.isWatched(runId);
    const remove = add();
    if (first) this.tap?.watched(runId);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      if (!this.isWatched(runId)) this.tap?.unwatched(runId);
    };
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
