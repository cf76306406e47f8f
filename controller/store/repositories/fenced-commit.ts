import type { EntityManager } from '@mikro-orm/core';
import type { RunJournalRow } from '../entities/run-journal.js';
import type { PreparedStatements } from '../prepared-statements.js';
import type { ParameterSealing } from './parameter-sealing.js';
import { journalRows, type JournalEntry } from './run-journal.js';
import { throwIfFenced } from './run-sequence.js';

/** What every fenced commit statement writes: parameter values and journal entries, under the writer's lease epoch. */
export interface FencedWrites {
  runId: string;
  leaseEpoch: number;
  /** New values by key; those of `secretKeys` are stored sealed. */
  values: ReadonlyMap<string, string>;
  secretKeys: ReadonlySet<string>;
  entries: readonly JournalEntry[];
  now: Date;
}

/**
 * Runs one of the fenced commit statements of prepared-sql.ts
 * (COMMIT_PARAMETER_SETS, and COMMIT_RUN_TRANSITION, which takes the same $1-$7): binds
 * `writes` as their $1-$7 and `more` from $8, and numbers the journal rows
 * after the base the run row gave. Returns them, or undefined when the run is
 * gone (nothing written); LeaseLostError when the lease epoch is no longer
 * the run's.
 */
export async function commitFenced(
  prepared: PreparedStatements,
  em: EntityManager,
  sealing: ParameterSealing,
  statement: { name: string; sql: string },
  writes: FencedWrites,
  more: readonly unknown[] = [],
): Promise<RunJournalRow[] | undefined> {
  const { runId, leaseEpoch, values, secretKeys, entries, now } = writes;
  // Bound as they are (a Date becomes its ISO text) and renumbered in place: copying every row twice was most of a set's CPU in a profile.
  const numbered = journalRows(runId, 0, entries);
  const stored = sealing.stored(runId, values, secretKeys);
  const rows = await prepared.query<{ base: number }>(statement.name, statement.sql, [
    runId,
    entries.length,
    now,
    [...stored.keys()],
    JSON.stringify(numbered),
    [...stored.values()],
    leaseEpoch,
    ...more,
  ]);
  const base = rows[0]?.base;
  if (base === undefined) return throwIfFenced(em, runId);
  for (const row of numbered) row.sequence += base;
  return numbered;
}
