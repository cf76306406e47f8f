import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { ParameterDraft } from './parameter-draft.js';

/** Shown instead of a password parameter's value in journals and listings. */
export const MASKED_VALUE = '********';

/** A committed value change, for notifications. */
export interface ParameterChange {
  key: string;
  value: string | null;
}

/** One set, by whom. */
export interface ParameterSet {
  key: string;
  value: string;
  actor: string;
}

/** Written changes and their journal entries, in the order of the sets. */
export interface ParameterWrite {
  /** The new value of every changed key, in the order of the first change. */
  changed: Map<string, string>;
  /** Journal entries of each set, by the set's position. */
  journal: JournalEntry[][];
  /** Keys of sets that name no parameter of the run (skipped). */
  unknown: Set<string>;
}

/**
 * Applies parameter sets to a commit's draft, in order, and pushes each value
 * on to every input mapped from it (`targets`, from parameter-plan's
 * mappingTargets; domain.md: outputs are pushed to mapped inputs on the
 * controller, at once). No query: the draft knows every value. A set that
 * does not change a value is not journaled.
 */
export function writeParameters(
  draft: ParameterDraft,
  targets: ReadonlyMap<string, readonly string[]>,
  sets: readonly ParameterSet[],
  now: Date,
): ParameterWrite {
  const changed = new Map<string, string>();
  const journal: JournalEntry[][] = [];
  const unknown = new Set<string>();
  for (const { key, value, actor } of sets) {
    const entries: JournalEntry[] = [];
    journal.push(entries);
    if (!draft.get(key)) unknown.add(key);
    for (const target of [key, ...(targets.get(key) ?? [])]) {
      const current = draft.get(target);
      if (!current || current.value === value) continue;
      draft.set(target, value);
      changed.set(target, value);
      entries.push({ kind: 'parameter', type: 'set', actor, subject: target, text: current.secret ? MASKED_VALUE : value, time: now });
    }
  }
  return { changed, journal, unknown };
}
