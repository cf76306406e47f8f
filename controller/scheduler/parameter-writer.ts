import type { ResolvedPlan } from '../domain/modules/types.js';
import { mappingTargets } from '../domain/runs/parameter-plan.js';
import type { RunInstanceRow } from '../store/entities/run-instance.js';
import type { RunRow } from '../store/entities/run.js';
import type { Repositories } from '../store/repositories/index.js';
import type { JournalEntry } from '../store/repositories/runs.js';

/** Shown instead of a password parameter's value in journals and listings. */
export const MASKED_VALUE = '********';

/** A committed value change, for notifications. */
export interface ParameterChange {
  key: string;
  value: string | null;
}

/**
 * Writes parameter values inside the caller's unit of work and pushes each
 * value on to every input mapped from it (domain.md: outputs are pushed to
 * mapped inputs on the controller, at once). Returns the changes and the
 * journal entries that record them. Unknown keys are skipped.
 */
export async function writeParameters(
  repos: Repositories,
  run: RunRow,
  instances: readonly RunInstanceRow[],
  sets: readonly { key: string; value: string }[],
  actor: string,
): Promise<{ changes: ParameterChange[]; journal: JournalEntry[] }> {
  if (sets.length === 0) return { changes: [], journal: [] };
  const plan = JSON.parse(run.plan) as ResolvedPlan;
  const targets = mappingTargets(plan, instances.filter((i) => i.scaleState !== 'removed'));
  const wanted = new Map<string, string>();
  for (const { key, value } of sets) {
    wanted.set(key, value);
    for (const target of targets.get(key) ?? []) wanted.set(target, value);
  }
  const rows = await repos.runs.parametersByKeys(run.id, [...wanted.keys()]);
  const now = new Date();
  const changes: ParameterChange[] = [];
  const journal: JournalEntry[] = [];
  for (const row of rows) {
    const value = wanted.get(row.key)!;
    if (row.value === value) continue;
    row.value = value;
    row.updatedAt = now;
    changes.push({ key: row.key, value });
    journal.push({ kind: 'parameter', type: 'set', actor, subject: row.key, text: row.secret ? MASKED_VALUE : value, time: now });
  }
  return { changes, journal };
}
