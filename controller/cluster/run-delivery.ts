import type { RunState } from '../../common/runs/states.js';
import type { JournalView, RunChange } from '../scheduler/run-bus.js';

type StateChange = Extract<RunChange, { kind: 'state' }>;

/** A run row's part that the feed compares. */
export interface RunPosition {
  lastSequence: number;
  state: RunState;
  epoch: number;
  abortMessage: string | undefined;
}

/**
 * What this replica's subscribers of one run have heard, whichever way it
 * came (a local publish of the owner's engine or the feed reading the
 * database): each change passes through here first, so that none is heard
 * twice and journal entries are heard in sequence order.
 *
 * Until the baseline (the run row when the first subscriber came) is read,
 * local publishes pass unchanged and are remembered, so the baseline cannot
 * send them again.
 */
export class RunDelivery {
  private sequence: number | undefined;
  private localSequence = 0;
  private state: StateChange | undefined;
  /** The journal sequence the state heard was current at: an older run row must not take it back. */
  private stateAt = -1;
  /** Values heard since the first subscriber: a key absent has not changed since, as far as subscribers know. */
  private readonly values = new Map<string, string | null>();

  /** Whether the baseline has been read. */
  get ready(): boolean {
    return this.sequence !== undefined;
  }

  /** The last journal sequence heard (the baseline's before any). */
  get lastSequence(): number {
    return this.sequence ?? this.localSequence;
  }

  /** Sets the starting point; local publishes seen before it count. */
  setBaseline(position: RunPosition): void {
    this.sequence = Math.max(position.lastSequence, this.localSequence);
    if (!this.state) {
      this.state = stateOf(position);
      this.stateAt = position.lastSequence;
    }
  }

  /**
   * A local publish: what subscribers are to hear of it. A journal change
   * that does not follow on from what they heard (the feed is behind on
   * another replica's entries, say after this one took the run over) is held
   * back: `onGap` is called and the feed reads it all from the database in order.
   */
  local(change: RunChange, onGap: () => void): RunChange | undefined {
    if (change.kind !== 'journal') return this.filter(change);
    if (!this.ready) {
      const last = change.entries.at(-1)?.sequence;
      if (last !== undefined) this.localSequence = Math.max(this.localSequence, last);
      return change;
    }
    const fresh = change.entries.filter((e) => e.sequence > this.lastSequence);
    if (fresh.length === 0) return undefined;
    if (fresh[0]!.sequence !== this.lastSequence + 1) {
      onGap();
      return undefined;
    }
    return this.journal(fresh);
  }

  /** A change read from the database: what subscribers have not heard of it. */
  filter(change: RunChange): RunChange | undefined {
    switch (change.kind) {
      case 'journal':
        return this.journal(change.entries.filter((e) => e.sequence > this.lastSequence));
      case 'parameters': {
        const values = change.values.filter(({ key, value }) => !(this.values.has(key) && this.values.get(key) === value));
        for (const { key, value } of values) this.values.set(key, value);
        return values.length > 0 ? { kind: 'parameters', values } : undefined;
      }
      case 'state':
        return this.stateChange(change, this.lastSequence);
      case 'instances':
        return change;
    }
  }

  /** The state a run row shows, if subscribers have not heard it and the row is not older than what they heard. */
  stateFromRow(position: RunPosition): RunChange | undefined {
    return this.stateChange(stateOf(position), position.lastSequence);
  }

  /** Whether the run row shows something subscribers have not heard. */
  behind(position: RunPosition): boolean {
    return position.lastSequence > this.lastSequence || this.newState(stateOf(position), position.lastSequence);
  }

  private stateChange(change: StateChange, at: number): RunChange | undefined {
    if (!this.newState(change, at)) return undefined;
    this.state = change;
    this.stateAt = at;
    return change;
  }

  private newState(change: StateChange, at: number): boolean {
    return at >= this.stateAt && !(this.state && sameState(this.state, change));
  }

  private journal(fresh: JournalView[]): RunChange | undefined {
    if (fresh.length === 0) return undefined;
    this.sequence = fresh.at(-1)!.sequence;
    return { kind: 'journal', entries: fresh };
  }
}

/** The state change a run row shows. */
export function stateOf(position: RunPosition): StateChange {
  return { kind: 'state', state: position.state, epoch: position.epoch, abortMessage: position.abortMessage };
}

function sameState(a: StateChange, b: StateChange): boolean {
  return a.state === b.state && a.epoch === b.epoch && a.abortMessage === b.abortMessage;
}
