import { raw, type EntityManager } from '@mikro-orm/core';
import { RunEntity, type RunRow } from '../entities/run.js';
import { LeaseLostError } from '../lease-lost.js';
import { sqlOf } from './raw-sql.js';

/**
 * Allocates `count` journal sequence numbers from the run row (and writes
 * `changes` to it) in one UPDATE, which also holds the row's lock to the
 * end of the transaction. The UPDATE is the fence of the run's writes: it
 * matches only while the run's lease epoch is still `leaseEpoch`, and a
 * takeover (which bumps the epoch) waits for the lock. The last number
 * before the new ones, or undefined when the run is gone; LeaseLostError
 * when the run is another replica's now (the caller's transaction must then
 * roll back).
 */
export async function advanceSequence(em: EntityManager, runId: string, leaseEpoch: number, count: number, changes: Partial<RunRow> = {}): Promise<number | undefined> {
  const rows = await sqlOf(em)
    .createQueryBuilder(RunEntity)
    .update({ ...changes, lastSequence: raw('last_sequence + ?', [count]) })
    .where({ id: runId, leaseEpoch })
    .returning(['lastSequence'])
    .execute<{ lastSequence: number }[]>('all');
  const last = rows[0]?.lastSequence;
  if (last === undefined) return throwIfFenced(em, runId);
  return Number(last) - count;
}

/** After a fenced write matched no row: LeaseLostError when the run exists (its epoch moved on), else undefined (it is gone). */
export async function throwIfFenced(em: EntityManager, runId: string): Promise<undefined> {
  const exists = await sqlOf(em).createQueryBuilder(RunEntity).select(['id']).where({ id: runId }).execute<{ id: string }[]>('all');
  if (exists.length > 0) throw new LeaseLostError(runId);
  return undefined;
}
