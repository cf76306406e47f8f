/**
 * The prepared statements of the hot paths, and the bulk updates that take
 * their rows as JSON, find their rows by the unique index, one probe per
 * key, however large the run and however stale the table's statistics: right
 * after a launch inserted thousands of a run's rows, a join let the planner
 * hash every row of the run for each batch.
 * The ORM's `run_id = ? and name in (...)` needs fresh statistics, which
 * Store.refreshRunStatistics gives it. Measured with EXPLAIN ANALYZE: rows
 * the statement's scans read (for the function commitSets calls, whose
 * statements EXPLAIN does not show: the backend's counters of rows fetched).
 * And the updates of a run's rows are HOT (the fillfactor migration leaves
 * room in each page): no new index entries.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { createTestRun, useTestRun } from '../../../test/helpers/store.js';
import { instanceColumnUpdateFromJson, PARAMETER_UPDATE_FROM_JSON } from './json-rows-sql.js';
import { COMMIT_PARAMETER_SETS, COMMIT_RUN_TRANSITION, STORE_CREDENTIALS } from './prepared-sql.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows the scans of `table` read, kept or filtered out, over all loops. */
function rowsScanned(node: PlanNode, table: string): number {
  const own =
    node['Node Type'].endsWith('Scan') && node['Relation Name'] === table
      ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsScanned(child, table), 0);
}

const SIZE = 2_000;
const OTHER_ROWS = 20_000;

describe.runIf(TEST_DATABASES.includes('postgres'))('hot-path statements on a large run', () => {
  const instanceNames = Array.from({ length: SIZE }, (_, i) => `web.${i + 1}`);
  const testRun = useTestRun('postgres', {
    nodes: [{ name: 'web', maxProvisioningFailures: 0, nextIndex: SIZE + 1 }],
    instances: instanceNames.map((name, i) => ({ name, node: 'web', index: i + 1, cloud: 'local' })),
    parameters: instanceNames.map((name) => ({ key: `${name}:url`, value: null, secret: false, description: '' })),
  });
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: testRun.url });
    await client.connect();
    // Other runs' rows, so that the tables are of a size where reading all of them is not the cheap plan.
    const other = await createTestRun(testRun.store, { nodes: [{ name: 'db', maxProvisioningFailures: 0, nextIndex: 1 }], instances: [], parameters: [] }, 'other');
    await client.query(
      `insert into run_parameters (id, run_id, "key", "value", secret, description, updated_at)
       select gen_random_uuid(), $1, 'db.' || i || ':url', null, false, '', now() from generate_series(1, $2::int) as i`,
      [other.runId, OTHER_ROWS],
    );
    await client.query(
      `insert into run_instances (id, run_id, name, node, "index", cloud, vm, completed_epoch, scale_state, created_at)
       select gen_random_uuid(), $1, 'db.' || i, 'db', i, 'local', 'none', 0, '', now() from generate_series(1, $2::int) as i`,
      [other.runId, OTHER_ROWS],
    );
  });

  afterAll(async () => {
    await client?.end();
  });

  async function explain(sql: string, values: unknown[]): Promise<PlanNode> {
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (analyze, format json) ${sql}`, values);
    return rows[0]!['QUERY PLAN'][0].Plan;
  }

  it('parameters.commitSets reads the rows of the keys it sets, not the run’s other parameters, also once its plans are kept', async () => {
    const keys = ['web.7:url', 'web.1500:url'];
    // The statements of the function it calls do not show in its EXPLAIN: each call's reads are counted instead (the
    // backend's counters, not yet flushed, before and after it), over more calls than PostgreSQL plans afresh (five)
    // before it may keep a generic plan.
    const reads = async () =>
      (await client.query<{ seq_scan: string; idx_tup_fetch: string }>(`select seq_scan, idx_tup_fetch from pg_stat_xact_user_tables where relname = 'run_parameters'`)).rows[0]!;
    for (let call = 1; call <= 8; call++) {
      const entries = keys.map((subject, i) => ({ id: crypto.randomUUID(), sequence: i + 1, time: new Date().toISOString(), kind: 'parameter', type: 'set', actor: 'agent:web.7', instance: '', subject, text: `${call}` }));
      await client.query('begin');
      const before = await reads();
      const { rows: committed } = await client.query(COMMIT_PARAMETER_SETS, [testRun.runId, entries.length, new Date(), keys, JSON.stringify(entries), [`x${call}`, `y${call}`], 0]);
      const after = await reads();
      await client.query('commit');
      expect(committed).toHaveLength(1);
      expect(Number(after.seq_scan) - Number(before.seq_scan)).toBe(0);
      expect(Number(after.idx_tup_fetch) - Number(before.idx_tup_fetch)).toBe(keys.length);
    }
    const { rows } = await client.query<{ key: string; value: string }>('select "key", "value" from run_parameters where run_id = $1 and "value" is not null order by "key"', [testRun.runId]);
    expect(rows).toEqual([
      { key: 'web.1500:url', value: 'y8' },
      { key: 'web.7:url', value: 'x8' },
    ]);
  });

  it('transitions.commit reads the rows of the instances and keys it writes, not the run’s others', async () => {
    const names = ['web.11', 'web.1700'];
    const progress = [names, names.map(() => 'pending'), names.map(() => 0), names.map(() => 'Provisioning'), names.map(() => ''), names.map(() => false), names.map(() => false)];
    const keys = names.map((name) => `${name}:url`);
    const entries = [{ id: crypto.randomUUID(), sequence: 1, time: new Date().toISOString(), kind: 'event', type: 'state', actor: '', instance: '', subject: '', text: 'x' }];
    const plan = await explain(COMMIT_RUN_TRANSITION, [testRun.runId, entries.length, new Date(), keys, JSON.stringify(entries), ['a', 'b'], 0, JSON.stringify({ epoch: 1 }), ...progress]);
    expect(rowsScanned(plan, 'run_instances')).toBeLessThanOrEqual(2 * names.length);
    expect(rowsScanned(plan, 'run_parameters')).toBeLessThanOrEqual(2 * keys.length);
    const { rows } = await client.query<{ name: string }>(`select name from run_instances where run_id = $1 and completed_state = 'Provisioning' order by name`, [testRun.runId]);
    expect(rows.map((r) => r.name)).toEqual(['web.11', 'web.1700']);
  });

  it('agentLogins.storeCredentials reads the rows of the instances it updates, not the run’s others', async () => {
    const names = ['web.3', 'web.1999'];
    const plan = await explain(STORE_CREDENTIALS, [testRun.runId, new Date(), names, ['a'.repeat(64), 'b'.repeat(64)]]);
    expect(rowsScanned(plan, 'run_instances')).toBeLessThanOrEqual(2 * names.length);
    const { rows } = await client.query<{ name: string }>('select name from run_instances where run_id = $1 and credential_hash is not null order by name', [testRun.runId]);
    expect(rows.map((r) => r.name)).toEqual(['web.1999', 'web.3']);
  });

  /** A `?` statement of json-rows-sql.ts, numbered for EXPLAIN. */
  const numbered = (statement: string) => {
    let n = 0;
    return statement.replace(/\?/g, () => `$${++n}`);
  };

  it('parameters.updateValues (PostgreSQL) reads the rows of the keys it sets, not the table', async () => {
    const values = [{ key: 'web.9:url', value: 'z' }];
    const plan = await explain(numbered(PARAMETER_UPDATE_FROM_JSON), [new Date(), testRun.runId, JSON.stringify(values), values.length]);
    expect(rowsScanned(plan, 'run_parameters')).toBeLessThanOrEqual(2 * values.length);
  });

  it('instances.setColumn (PostgreSQL) reads the rows of the instances it updates, not the table', async () => {
    const values = ['web.4', 'web.1998'].map((name) => ({ name, value: name.padEnd(64, '0') }));
    const plan = await explain(numbered(instanceColumnUpdateFromJson('bootstrapHash', ['bootstrapExpiresAt'])), [new Date(), testRun.runId, JSON.stringify(values), values.length]);
    expect(rowsScanned(plan, 'run_instances')).toBeLessThanOrEqual(2 * values.length);
    const { rows } = await client.query<{ name: string }>('select name from run_instances where run_id = $1 and bootstrap_hash is not null order by name', [testRun.runId]);
    expect(rows.map((r) => r.name)).toEqual(['web.1998', 'web.4']);
  });

  it('a batch of instances by name reads only their rows once the statistics are refreshed', async () => {
    // The shape of instances.applyChanges' UPDATE (the ORM's nativeUpdate), fifty instances at a time.
    const names = Array.from({ length: 50 }, (_, i) => `web.${100 + i}`);
    const update = () =>
      explain(`update run_instances set completed_state = 'Executing' where run_id = $1 and name in (${names.map((_, i) => `$${i + 2}`).join(', ')})`, [testRun.runId, ...names]);
    await testRun.store.refreshRunStatistics();
    expect(rowsScanned(await update(), 'run_instances')).toBeLessThanOrEqual(names.length);
  });

  it('updates of instance states and parameter values are HOT: no new index entries', async () => {
    // Rows spread over the run (a batch's instances rarely share a page); each page keeps room for a new version.
    const names = Array.from({ length: 100 }, (_, i) => `web.${1 + i * 20}`);
    // Within one transaction (the backend's pending counters are not flushed in it): HOT updates it made.
    const hotUpdates = async () =>
      (
        await client.query<{ instances: string; parameters: string }>(
          `select pg_stat_get_xact_tuples_hot_updated('run_instances'::regclass) as instances, pg_stat_get_xact_tuples_hot_updated('run_parameters'::regclass) as parameters`,
        )
      ).rows[0]!;
    await client.query('begin');
    try {
      const before = await hotUpdates();
      await client.query(`update run_instances set completed_state = 'Ready' where run_id = $1 and name = any($2::text[])`, [testRun.runId, names]);
      await client.query(`update run_parameters set "value" = 'v' where run_id = $1 and "key" = any($2::text[])`, [testRun.runId, names.map((n) => `${n}:url`)]);
      const after = await hotUpdates();
      // An update of an indexed column is never HOT; one of columns no index holds is HOT when its page has room for
      // the new version, which a page now and then lacks (its room taken by versions not yet pruned: 99 of 100 in a
      // CI run). Nearly all, not all: a column that got indexed would make none of them HOT.
      expect(Number(after.instances) - Number(before.instances)).toBeGreaterThanOrEqual(names.length * 0.9);
      expect(Number(after.parameters) - Number(before.parameters)).toBeGreaterThanOrEqual(names.length * 0.9);
    } finally {
      await client.query('rollback');
    }
  });
});
