/**
 * The `sim` driver end to end: agents embedded in worker processes, each
 * with its own connection, go through the real phases; their recipes'
 * parameter commands are real traffic (a mapped value reaches three
 * instances); a malformed sim script aborts the run naming the line;
 * terminate stops every agent; the workers count what their agents log.
 * On PostgreSQL, a large launch refreshes the run tables' statistics.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimPool } from '../../controller/connectors/sim/sim-pool.js';
import { KeepRunning, RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from '../helpers/controller.js';
import { TestRuns } from '../helpers/runs.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';

describe.each(TEST_DATABASES)('sim driver (%s)', (database) => {
  let pool: SimPool;
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;

  beforeAll(async () => {
    pool = SimPool.start({ workers: 2 });
    harness = await startHarness({
      database,
      clouds: [{ name: 'sim', driver: 'sim', settings: {} }],
      driverOptions: { sim: { pool } },
    });
    ({ controller, runs } = harness);
    const { client } = harness;
    const component = (path: string, deployment: string, inputs: string[], outputs: string[]) =>
      client.modules.save({
        kind: 'component',
        path,
        images: { sim: 'sim' },
        resources: {},
        recipes: { deployment },
        parameters: [
          ...inputs.map((name) => ({ name, category: 'input' as const, type: 'string' as const })),
          ...outputs.map((name) => ({ name, category: 'output' as const, type: 'string' as const })),
        ],
      });
    await component('sim/src', 'echo "bash is skipped"\nss-set out hello', [], ['out']);
    await component('sim/dst', 'sim-repeat 3\n  ss-set count{i} {i}\nsim-end\nss-get in\nss-set echo done', ['in'], ['echo', 'count1', 'count2', 'count3']);
    await component('sim/broken', 'sim-repeat 2\nss-set x 1', [], ['x']);
    await client.modules.save({
      kind: 'application',
      path: 'sim/app',
      nodes: [
        { name: 'src', component: 'sim/src', multiplicity: 1, cloud: 'sim', maxProvisioningFailures: 0, mappings: {} },
        { name: 'dst', component: 'sim/dst', multiplicity: 3, cloud: 'sim', maxProvisioningFailures: 0, mappings: { in: 'src:out' } },
      ],
    });
    await client.modules.save({ kind: 'application', path: 'sim/broken-app', nodes: [{ name: 'b', component: 'sim/broken', multiplicity: 1, cloud: 'sim', maxProvisioningFailures: 0, mappings: {} }] });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await pool?.close();
  });

  it('runs the phases with real parameter traffic, once each, and terminate stops every agent', async () => {
    const launched = await runs.launch('sim/app', { keepRunning: KeepRunning.KEEP_RUNNING_ALWAYS });
    await runs.waitForState(launched.id, RunState.RUN_STATE_READY, 60_000);
    // The workers count their agents' lines instead of writing them: a healthy run logs no warning.
    expect(await pool.agentLogs()).toEqual([]);
    const params = new Map((await runs.parameters(launched.id)).map((p) => [p.key, p.value]));
    for (const n of [1, 2, 3]) {
      expect(params.get(`dst.${n}:in`)).toBe('hello');
      expect(params.get(`dst.${n}:echo`)).toBe('done');
      expect(params.get(`dst.${n}:count3`)).toBe('3');
      expect(params.get(`dst.${n}:hostname`)).toBe('localhost');
    }
    const records = (await pool.records()).filter((r) => r.tags.runId === launched.id);
    expect(records.map((r) => r.tags.instance).sort()).toEqual(['dst.1', 'dst.2', 'dst.3', 'src.1']);
    for (const record of records) {
      const started = record.events.filter((e) => e[0] === 'phase-started').map((e) => `${e[1]}@${e[2]}`);
      expect(new Set(started).size).toBe(started.length);
      expect(started.length).toBeGreaterThanOrEqual(3);
      expect(record.enrollUptimeMs).toBeGreaterThan(0);
    }
    expect(records.find((r) => r.tags.instance === 'dst.2')!.stats).toMatchObject({ setsAcked: 4, lastAcked: { count3: '3', echo: 'done' } });
    // The counting poll agrees with the records: all four welcomed since their first welcome, none since their last.
    const welcomes = records.flatMap((r) => r.events.filter((e) => e[0] === 'welcomed').map((e) => e[3]));
    expect(await pool.welcomedSince(`${launched.id}/`, Math.min(...welcomes) - 1)).toEqual({ agents: 4, welcomed: 4 });
    expect(await pool.welcomedSince(`${launched.id}/`, Math.max(...welcomes))).toEqual({ agents: 4, welcomed: 0 });
    expect(pool.list().filter((vm) => vm.tags.runId === launched.id)).toHaveLength(4);

    await runs.terminate(launched.id);
    await runs.waitForState(launched.id, RunState.RUN_STATE_DONE, 30_000);
    await waitFor('sim VMs gone', async () => (pool.list().some((vm) => vm.tags.runId === launched.id) ? undefined : true), 10_000);
  });

  // PostgreSQL only: SQLite keeps no statistics to refresh.
  if (database === 'postgres') {
    it('a launch of a thousand rows or more refreshes the run tables’ statistics', async () => {
      const db = new pg.Client({ connectionString: controller.databaseUrl });
      await db.connect();
      try {
        const analyzed = async () =>
          (await db.query<{ n: string }>(`select analyze_count as n from pg_stat_user_tables where relname = 'run_instances'`)).rows[0]!.n;
        const before = await analyzed();
        // 120 instances, each with a dozen parameters or more.
        const launched = await runs.launch('sim/app', { multiplicities: { dst: 120 }, keepRunning: KeepRunning.KEEP_RUNNING_NEVER });
        await waitFor('run_instances analyzed', async () => ((await analyzed()) !== before ? true : undefined), 30_000);
        await runs.terminate(launched.id);
        await runs.waitForState(launched.id, RunState.RUN_STATE_CANCELLED, 60_000);
      } finally {
        await db.end();
      }
    });
  }

  it('aborts the run naming the line of a malformed sim script', async () => {
    const launched = await runs.launch('sim/broken-app', { keepRunning: KeepRunning.KEEP_RUNNING_NEVER });
    const run = await runs.until(launched.id, 'aborted', (r) => (r.abortMessage ? r : undefined), 60_000);
    expect(run.abortMessage).toContain('b.1: deployment script');
    expect(run.abortMessage).toContain('line 1: sim-repeat without sim-end');
    const warned = (await pool.agentLogs()).find((k) => k.msg === 'run aborted; killing scripts');
    expect(warned).toMatchObject({ level: 'warn', count: 1 });
    expect(JSON.parse(warned!.first)).toMatchObject({ instance: 'b.1', state: 'Executing' });
  });
});

describe('sim pool', () => {
  it("writes each worker's CPU profile when a profiled pool closes", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-prof-'));
    try {
      const pool = SimPool.start({ workers: 2, cpuProfileDir: dir });
      expect(await pool.memory()).toHaveLength(2);
      await pool.close();
      const profiles = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
      const pids = new Set(profiles.map((f) => f.split('.')[3]));
      expect(pids.size).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
