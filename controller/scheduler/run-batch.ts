/**
 * The work a run's group commit applies together: state machine inputs,
 * parameter sets and log lines that arrived while the previous batch was
 * committing, each with the promise its caller waits on.
 */
import type { RunInput, RunModel } from '../domain/runs/types.js';
import type { JournalEntry } from '../store/repositories/runs.js';
import type { ParameterChange, ParameterSet } from './parameter-writer.js';

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

/** Most items one transaction applies; more wait for the next batch. */
export const MAX_BATCH = 2_000;

/** Settles an item whose run does not exist (any more). */
export function settleMissing(work: RunWork): void {
  if (work.kind === 'input') work.resolve(undefined);
  else if (work.kind === 'sets') work.resolve({ changes: [], unknown: work.sets.map((s) => s.key) });
  else work.resolve();
}
