/**
 * The work a run's group commit applies together: state machine inputs,
 * parameter sets and log lines that arrived while the previous batch was
 * committing, each with the promise its caller waits on.
 */
import type { Effect, RunInput, RunModel } from '../domain/runs/types.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import { stateChangeSubject } from '../store/journal-state-change.js';
import type { ParameterDraft } from './parameter-draft.js';
import { writeParameters, type ParameterChange, type ParameterSet, type ParameterWrite } from './parameter-writer.js';

/** What a parameter set resolves with: the changes it committed and the keys that name no parameter. */
export interface SetOutcome {
  changes: ParameterChange[];
  unknown: string[];
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export type RunWork =
  | ({ kind: 'input'; input: RunInput } & Pending<RunModel | undefined>)
  | ({ kind: 'sets'; sets: ParameterSet[] } & Pending<SetOutcome>)
  | ({ kind: 'logs'; entries: JournalEntry[] } & Pending<void>);

/** Settles an item whose run does not exist (any more). */
export function settleMissing(work: RunWork): void {
  if (work.kind === 'input') work.resolve(undefined);
  else if (work.kind === 'sets') work.resolve({ changes: [], unknown: work.sets.map((s) => s.key) });
  else work.resolve();
}

/**
 * What a batch writes besides the state machine's own changes: every item's
 * parameter sets (the seeds of added instances first), applied to the draft
 * in order, and the journal entries, each item's together in the order of
 * the items. `itemEffects` are the effects of each item (none for sets and
 * logs).
 */
export function batchWrites(
  batch: readonly RunWork[],
  itemEffects: readonly (readonly Effect[])[],
  inherited: readonly { key: string; value: string }[],
  draft: ParameterDraft,
  targets: ReadonlyMap<string, readonly string[]>,
  now: Date,
): { written: ParameterWrite; entries: JournalEntry[] } {
  const sets: ParameterSet[] = inherited.map((s) => ({ ...s, actor: 'controller' }));
  // Whose each set is, by position; -1 for the seeds.
  const owners: number[] = inherited.map(() => -1);
  batch.forEach((work, index) => {
    for (const e of itemEffects[index]!) {
      if (e.type === 'set-parameter') {
        sets.push({ key: e.key, value: e.value, actor: 'controller' });
        owners.push(index);
      }
    }
    if (work.kind === 'sets') {
      for (const set of work.sets) {
        sets.push(set);
        owners.push(index);
      }
    }
  });
  const written = writeParameters(draft, targets, sets, now);
  // One pass: a batch holds thousands of sets.
  const journalOf = new Map<number, JournalEntry[]>();
  written.journal.forEach((journal, i) => {
    const owned = journalOf.get(owners[i]!);
    if (owned) owned.push(...journal);
    else journalOf.set(owners[i]!, [...journal]);
  });
  const entries: JournalEntry[] = journalOf.get(-1) ?? [];
  batch.forEach((work, index) => {
    for (const e of itemEffects[index]!) {
      if (e.type !== 'event') continue;
      const subject = e.change ? stateChangeSubject(e.change) : undefined;
      entries.push({ kind: 'event', type: e.eventType, actor: e.actor, subject, text: e.message, time: now });
    }
    entries.push(...(journalOf.get(index) ?? []));
    if (work.kind === 'logs') entries.push(...work.entries);
  });
  return { written, entries };
}
