import { raw, type EntityManager } from '@mikro-orm/core';
import { RunEntity, type RunRow } from '../entities/run.js';
import { sqlOf } from './raw-sql.js';

/**
 * Allocates `count` journal sequence numbers from the run row (and writes
 * `changes` to it) in one UPDATE, which also holds the row's lock to the
 * end of the transaction. The last number before the new ones, or undefined
 * when the run is gone.
 */
export async function advanceSequence(em: EntityManager, runId: string, count: number, changes: Partial<RunRow> = {}): Promise<number | undefined> {
  const rows = await sqlOf(em)
    .createQueryBuilder(RunEntity)
    .update({ ...changes, lastSequence: raw('last_sequence + ?', [count]) })
    .where({ id: runId })
    .returning(['lastSequence'])
    .execute<{ lastSequence: number }[]>('all');
  const last = rows[0]?.lastSequence;
  return last === undefined ? undefined : Number(last) - count;
}
