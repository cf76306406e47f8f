import type { Repositories } from '../store/repositories/index.js';
import type { JournalEntry } from '../store/repositories/runs.js';

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
  changes: ParameterChange[];
  /** Journal entries of each set, by the set's position. */
  journal: JournalEntry[][];
  /** Keys of sets that name no parameter of the run (skipped). */
  unknown: Set<string>;
}

/**
 * Writes parameter values inside the caller's unit of work, in order, and
 * pushes each value on to every input mapped from it (`targets`, from
 * parameter-plan's mappingTargets; domain.md: outputs are
 * pushed to mapped inputs on the controller, at once). The rows of every set
 * are read in one query, so a batch of thousands of sets costs one read.
 * A set that does not change a value is not journaled.
 */
export async function writeParameters(
  repos: Repositories,
  runId: string,
  targets: ReadonlyMap<string, readonly string[]>,
  sets: readonly ParameterSet[],
): Promise<ParameterWrite> {
  if (sets.length === 0) return { changes: [], journal: [], unknown: new Set() };
  const keys = new Set<string>();
  for (const { key } of sets) {
    keys.add(key);
    for (const target of targets.get(key) ?? []) keys.add(target);
  }
  const rows = new Map((await repos.runs.parameterValues(runId, [...keys])).map((r) => [r.key, r]));
  const now = new Date();
  const changed = new Map<string, string>();
  const journal: JournalEntry[][] = [];
  const unknown = new Set<string>();
  for (const { key, value, actor } of sets) {
    const entries: JournalEntry[] = [];
    journal.push(entries);
    if (!rows.has(key)) unknown.add(key);
    for (const target of [key, ...(targets.get(key) ?? [])]) {
      const row = rows.get(target);
      if (!row || row.value === value) continue;
      row.value = value;
      changed.set(target, value);
      entries.push({ kind: 'parameter', type: 'set', actor, subject: target, text: row.secret ? MASKED_VALUE : value, time: now });
    }
  }
  await repos.runs.updateParameterValues(runId, changed, now);
  return { changes: [...changed].map(([key, value]) => ({ key, value })), journal, unknown };
}
