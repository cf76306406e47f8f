/**
 * GetRun's warnings query and `run events` paging read
 * `run_journal_events_index` on both databases (EXPLAIN of the statements
 * the repository sends, caught as the ORM sends them), among a run's
 * thousands of log lines, and find the same events as the table does.
 */
import { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARNING_EVENT_TYPES, WARNING_EVENTS_READ } from '../../domain/runs/run-warnings.js';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { seedFinishedRuns } from '../../../test/helpers/finished-runs.js';
import { openTestStore } from '../../../test/helpers/store.js';
import { RunJournalEntity } from '../entities/run-journal.js';
import { ormConfig } from '../orm-config.js';
import type { Store } from '../store.js';
import { journalRows, RunJournalRepository } from './run-journal.js';

/** The big run's seeded entries: one in five an event (`state`), the rest log lines (finished-runs.ts). */
const ENTRIES = 20_000;
/** Where the page of events starts. */
const PAGE_AFTER = 15_000;

describe.each(TEST_DATABASES)('run events queries on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  /** A second ORM on the same database, telling each statement it sends. */
  let orm: MikroORM;
  let sent: { sql: string; params: unknown[] }[] = [];
  let runId: string;
  const warnings = WARNING_EVENT_TYPES.map((type, i) => ({ type, text: `warning: ${type} ${i}` }));

  beforeAll(async () => {
    const opened = await openTestStore(database);
    ({ store, dispose } = opened);
    const tenantId = (await store.write((repos) => repos.tenants.create({ name: 'explain', displayName: 'explain', operator: false }))).id;
    await seedFinishedRuns(store, tenantId, 40, { instances: 1, journal: 500 });
    runId = (await seedFinishedRuns(store, tenantId, 1, { instances: 1, journal: ENTRIES }))[0]!.runId;
    // The warnings come last, after thousands of other events and log lines.
    const tail = journalRows(runId, ENTRIES, [
      ...warnings.map((w) => ({ kind: 'event' as const, type: w.type, actor: 'controller', text: w.text })),
      { kind: 'log' as const, type: 'stdout', text: 'after the warnings' },
    ]);
    await store.write(async (_repos, em) => {
      await em.insertMany(RunJournalEntity, tail);
    });
    await seedFinishedRuns(store, tenantId, 40, { instances: 1, journal: 500 });
    await store.execute(database === 'sqlite' ? 'analyze' : 'analyze run_journal', [], 'run');
    orm = await MikroORM.init({
      ...ormConfig(opened.target),
      onQuery: (sql: string, params: readonly unknown[]) => {
        sent.push({ sql, params: [...params] });
        return sql;
      },
    });
  }, 120_000);
  afterAll(async () => {
    await orm?.close(true);
    await dispose?.();
  });

  /** What `read` returns and the one statement it sent. */
  async function statementOf<T>(read: (journal: RunJournalRepository) => Promise<T>): Promise<{ result: T; sql: string }> {
    sent = [];
    const result = await read(new RunJournalRepository(orm.em.fork()));
    expect(sent).toHaveLength(1);
    return { result, sql: orm.em.getPlatform().formatQuery(sent[0]!.sql, sent[0]!.params) };
  }

  async function plan(sql: string): Promise<string> {
    if (database === 'sqlite') {
      const rows: { detail: string }[] = await orm.em.getConnection().execute(`explain query plan ${sql}`);
      return rows.map((row) => row.detail).join('\n');
    }
    const rows: { 'QUERY PLAN': string }[] = await orm.em.getConnection().execute(`explain ${sql}`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it("reads the run's warnings from the events index", async () => {
    const { result, sql } = await statementOf((journal) => journal.eventTexts(runId, WARNING_EVENT_TYPES, WARNING_EVENTS_READ + 1));
    expect(result).toEqual(warnings.map((w) => w.text));
    const text = await plan(sql);
    if (database === 'sqlite') {
      expect(text).toMatch(/SEARCH r0 USING INDEX run_journal_events_index \(run_id=\?\)/);
      expect(text).not.toMatch(/TEMP B-TREE/); // read in sequence order: no sort
    } else {
      // The types are checked in the index; only the few matches are sorted.
      expect(text).toMatch(/Index Scan using run_journal_events_index on run_journal r0/);
      expect(text).toMatch(/Index Cond: .*type/);
      expect(text).not.toMatch(/Seq Scan|run_journal_run_id_sequence_unique/);
    }
  });

  it('pages through the events from the events index', async () => {
    const { result, sql } = await statementOf((journal) => journal.entries(runId, PAGE_AFTER, ['event'], 100));
    const text = await plan(sql);
    if (database === 'sqlite') {
      expect(text).toMatch(/SEARCH r0 USING INDEX run_journal_events_index \(run_id=\? AND sequence>\?\)/);
      expect(text).not.toMatch(/TEMP B-TREE/);
    } else {
      expect(text).toMatch(/Index Scan using run_journal_events_index on run_journal r0/);
      expect(text).not.toMatch(/Sort|Seq Scan/);
    }
    const all = await store.execute<{ sequence: number }>(
      `select sequence from run_journal where run_id = ? and kind = 'event' and sequence > ? order by sequence limit 100`,
      [runId, PAGE_AFTER],
    );
    expect(result.map((r) => r.sequence)).toEqual(all.map((r) => Number(r.sequence)));
    expect(result.every((r) => r.kind === 'event')).toBe(true);
    expect(result).toHaveLength(100);
  });

  it('still pages through log lines and whole journals in order', async () => {
    const logs = await new RunJournalRepository(orm.em.fork()).entries(runId, ENTRIES - 10, ['log'], 100);
    // Seeded entry i (sequence i + 1) is a log line `line i` unless i is a multiple of 5.
    const seededLines = Array.from({ length: 9 }, (_, k) => ENTRIES - 9 + k).filter((i) => i % 5 !== 0);
    expect(logs.map((r) => r.text)).toEqual([...seededLines.map((i) => `line ${i}`), 'after the warnings']);
    const everything = await new RunJournalRepository(orm.em.fork()).entries(runId, ENTRIES - 2, ['event', 'parameter', 'log'], 100);
    expect(everything.map((r) => r.sequence)).toEqual(Array.from({ length: warnings.length + 3 }, (_, i) => ENTRIES - 1 + i));
  });
});
