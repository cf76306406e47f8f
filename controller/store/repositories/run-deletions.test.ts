/**
 * The retention sweep's query reads `runs_finished_index` on both databases
 * (EXPLAIN), among thousands of final runs and some live ones, and the
 * index finds the same runs, in the same order, as the query without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { seedFinishedRuns } from '../../../test/helpers/finished-runs.js';
import { openTestStore } from '../../../test/helpers/store.js';
import type { Store } from '../store.js';
import { EXPIRED_RUNS_SQL } from './run-deletions.js';

const DAY_MS = 24 * 3600_000;

describe.each(TEST_DATABASES)('expired runs query on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const seeded = { Done: [] as string[], Aborted: [] as string[], Cancelled: [] as string[] };
  const cutoff = new Date(Date.now() - 30 * DAY_MS);
  /** As each driver binds a date: SQLite keeps epoch milliseconds. */
  const bound = () => (database === 'sqlite' ? cutoff.getTime() : cutoff);

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(database));
    const tenantId = (await store.write((repos) => repos.tenants.create({ name: 'explain', displayName: 'explain', operator: false }))).id;
    for (const [state, days] of [['Done', 60], ['Aborted', 10], ['Cancelled', 400]] as const) {
      seeded[state] = (await seedFinishedRuns(store, tenantId, 1_000, { state, finishedDaysAgo: days, instances: 1, journal: 0 })).map((r) => r.runId);
    }
    await seedFinishedRuns(store, tenantId, 200, { state: 'Ready', finishedDaysAgo: 90, vm: 'running', instances: 1, journal: 0 });
    await store.execute(database === 'sqlite' ? 'analyze' : 'analyze runs, run_instances', [], 'run');
  }, 120_000);
  afterAll(async () => dispose());

  it('reads the finished runs index', async () => {
    if (database === 'sqlite') {
      const plan = await store.execute<{ detail: string }>(`explain query plan ${EXPIRED_RUNS_SQL}`, [bound(), 100]);
      const details = plan.map((row) => row.detail).join('\n');
      expect(details).toMatch(/SEARCH r USING INDEX runs_finished_index/);
      expect(details).not.toMatch(/TEMP B-TREE/); // read in order: no sort
    } else {
      const plan = await store.execute<{ 'QUERY PLAN': string }>(`explain ${EXPIRED_RUNS_SQL}`, [bound(), 100]);
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan using runs_finished_index on runs r/);
      expect(text).not.toMatch(/Sort/);
    }
  });

  it('finds the oldest expired runs in order', async () => {
    const rows = await store.execute<{ id: string }>(EXPIRED_RUNS_SQL, [bound(), 1_500]);
    // Seeded runs of one state turned final at the same moment: the id orders them.
    const expected = [...seeded.Cancelled.sort(), ...seeded.Done.sort().slice(0, 500)];
    expect(rows.map((r) => r.id)).toEqual(expected);
  });
});
