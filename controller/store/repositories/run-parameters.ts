import type { EntityManager } from '@mikro-orm/core';
import type { ParameterSeed } from '../../domain/runs/parameter-plan.js';
import type { RunJournalRow } from '../entities/run-journal.js';
import { RunParameterEntity, type RunParameterRow } from '../entities/run-parameter.js';
import type { PreparedStatements } from '../prepared-statements.js';
import { chunksOf, KEYS_PER_QUERY, ROWS_PER_INSERT } from './chunks.js';
import { PARAMETER_UPDATE_FROM_JSON } from './json-rows-sql.js';
import type { ParameterSealing } from './parameter-sealing.js';
import { COMMIT_PARAMETER_SETS } from './prepared-sql.js';
import { dbDate, execute, executeBound, isPostgres, placeholders } from './raw-sql.js';
import { commitFenced } from './fenced-commit.js';
import type { JournalEntry, RunJournalRepository } from './run-journal.js';
import { advanceSequence } from './run-sequence.js';

/**
 * A run's parameters: one row per key, its value stored sealed when it is a
 * secret (ParameterSealing); readers get plaintext back. The bulk reads and
 * writes take plain rows: a run of 10,000 instances has over 100,000.
 */
export class RunParameterRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sealing: ParameterSealing,
    private readonly journal: RunJournalRepository,
    private readonly prepared?: PreparedStatements,
  ) {}

  /** Stages parameter rows (flushed with the unit of work). */
  add(runId: string, seeds: readonly ParameterSeed[], now = new Date()): void {
    for (const seed of seeds) this.em.create(RunParameterEntity, this.sealing.newRow(runId, seed, now));
  }

  /** One parameter, its value readable. */
  async get(runId: string, key: string): Promise<RunParameterRow | null> {
    const row = await this.em.findOne(RunParameterEntity, { run: runId, key });
    return row && this.sealing.readRow(row);
  }

  /** Every parameter whose key starts with the prefix (all when empty), ordered by key, values readable. */
  async list(runId: string, prefix = ''): Promise<RunParameterRow[]> {
    const rows = await this.em.find(RunParameterEntity, { run: runId }, { orderBy: { key: 'asc' } });
    return (prefix === '' ? rows : rows.filter((r) => r.key.startsWith(prefix))).map((r) => this.sealing.readRow(r));
  }

  /** Every parameter of the run: its value and whether it is a secret, by key. */
  async allValues(runId: string): Promise<Map<string, { value: string | null; secret: boolean }>> {
    const rows = await execute<{ key: string; value: string | null; secret: boolean | number }[]>(
      this.em,
      `select "key", "value", secret from run_parameters where run_id = ?`,
      [runId],
      'all',
    );
    // A loop, not a Map of mapped pairs: a run of 10,000 instances has 160,000 rows, and a load is on a restart's path.
    const values = new Map<string, { value: string | null; secret: boolean }>();
    for (const r of rows) values.set(r.key, { value: this.sealing.read(runId, r.key, r.value, !!r.secret), secret: !!r.secret });
    return values;
  }

  /** Key, value and secrecy of the run's parameters with these keys, as plain rows (no managed entities). */
  async values(runId: string, keys: readonly string[]): Promise<{ key: string; value: string | null; secret: boolean }[]> {
    const rows: { key: string; value: string | null; secret: boolean }[] = [];
    for (const chunk of chunksOf(keys, KEYS_PER_QUERY)) {
      const found = await execute<{ key: string; value: string | null; secret: boolean | number }[]>(
        this.em,
        `select "key", "value", secret from run_parameters where run_id = ? and "key" in (${placeholders(chunk.length)})`,
        [runId, ...chunk],
        'all',
      );
      rows.push(...found.map((r) => ({ key: r.key, value: this.sealing.read(runId, r.key, r.value, !!r.secret), secret: !!r.secret })));
    }
    return rows;
  }

  /** Sets values in bulk: one UPDATE per chunk of keys, each key to its own value; those of `secretKeys` stored sealed. */
  async updateValues(runId: string, values: ReadonlyMap<string, string>, now: Date, secretKeys: ReadonlySet<string>): Promise<void> {
    const entries = [...this.sealing.stored(runId, values, secretKeys)];
    if (isPostgres(this.em)) {
      if (entries.length > 0) await executeBound(this.em, PARAMETER_UPDATE_FROM_JSON, [now, runId, JSON.stringify(entries.map(([key, value]) => ({ key, value }))), entries.length]);
      return;
    }
    for (const chunk of chunksOf(entries, ROWS_PER_INSERT)) {
      await execute(
        this.em,
        `update run_parameters set "value" = case "key" ${chunk.map(() => 'when ? then ?').join(' ')} end, updated_at = ? where run_id = ? and "key" in (${placeholders(chunk.length)})`,
        [...chunk.flat(), dbDate(this.em, now), runId, ...chunk.map(([key]) => key)],
        'run',
      );
    }
  }

  /**
   * A commit of parameter values and journal entries alone (no state machine
   * input). With prepared statements (PostgreSQL, Store.writeStatement) it is
   * ONE statement, so that the commit an agent's set waits for is one round
   * trip: it allocates the entries' sequence numbers from the run row, writes
   * the values and inserts the entries. Otherwise, three statements for the
   * caller's transaction. The values of `secretKeys` are stored sealed.
   * Returns the journal rows, or undefined when the run is gone (nothing
   * written); LeaseLostError when `leaseEpoch` is no longer the run's.
   */
  async commitSets(
    runId: string,
    leaseEpoch: number,
    values: ReadonlyMap<string, string>,
    entries: readonly JournalEntry[],
    now: Date,
    secretKeys: ReadonlySet<string>,
  ): Promise<RunJournalRow[] | undefined> {
    if (!this.prepared) {
      await this.updateValues(runId, values, now, secretKeys);
      const lastSequence = await advanceSequence(this.em, runId, leaseEpoch, entries.length);
      if (lastSequence === undefined) return undefined;
      const journal = this.journal.stage(runId, lastSequence, entries);
      await this.journal.flush();
      return journal;
    }
    const statement = { name: 'commit-parameter-sets', sql: COMMIT_PARAMETER_SETS };
    return commitFenced(this.prepared, this.em, this.sealing, statement, { runId, leaseEpoch, values, secretKeys, entries, now });
  }
}
