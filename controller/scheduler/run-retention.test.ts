/**
 * The retention sweep on both databases: it deletes exactly the runs that
 * turned final more than the period ago and have no VM left, with their rows
 * in every table and their report files, in batches; it keeps every other
 * run; on a replica without the singleton work it deletes no run but still
 * removes the reports of runs that are gone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { rowsOfRun, seedFinishedRuns } from '../../test/helpers/finished-runs.js';
import { openTestStore } from '../../test/helpers/store.js';
import type { Store } from '../store/store.js';
import { RunDeletion } from './run-deletion.js';
import { RunRetention, type RetentionSweepOptions } from './run-retention.js';

const log = pino({ level: 'silent' });
const EMPTY = { runs: 0, run_tags: 0, run_instances: 0, run_parameters: 0, run_journal: 0, run_reports: 0, run_requests: 0 };

describe.each(TEST_DATABASES)('retention sweep on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let dataDir: string;
  let tenantId: string;
  let tenant = 0;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(database));
    dataDir = mkdtempSync(join(tmpdir(), 'slipstream-retention-'));
  });
  afterAll(async () => {
    await dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A tenant of its own per test: each test sees only its runs. */
  const newTenant = async () => {
    tenantId = (await store.write((repos) => repos.tenants.create({ name: `t${++tenant}`, displayName: 't', operator: false }))).id;
    return tenantId;
  };
  const retention = (options: Partial<RetentionSweepOptions> = {}, singleton = true) =>
    new RunRetention(store, new RunDeletion(store, dataDir, log), { retentionDays: 30, intervalMs: 3600_000, batchSize: 100, ...options }, log, {
      runsSingletonWork: async () => singleton,
    });

  it('deletes the old final runs with every row and report file, and keeps the others', async () => {
    const tenant = await newTenant();
    const [done] = await seedFinishedRuns(store, tenant, 1, { state: 'Done', finishedDaysAgo: 31, reportsIn: dataDir });
    const [aborted] = await seedFinishedRuns(store, tenant, 1, { state: 'Aborted', finishedDaysAgo: 400, journal: 200 });
    const [cancelled] = await seedFinishedRuns(store, tenant, 1, { state: 'Cancelled', finishedDaysAgo: 45, vm: 'failed' });
    const [recent] = await seedFinishedRuns(store, tenant, 1, { state: 'Done', finishedDaysAgo: 29, reportsIn: dataDir });
    const [live] = await seedFinishedRuns(store, tenant, 1, { state: 'Ready', finishedDaysAgo: 90, vm: 'running' });
    const [finalWithVm] = await seedFinishedRuns(store, tenant, 1, { state: 'Aborted', finishedDaysAgo: 90, vm: 'running' });
    const before = await rowsOfRun(store, done!.runId);
    expect(before).toMatchObject({ runs: 1, run_tags: 1, run_instances: 2, run_parameters: 4, run_journal: 20, run_reports: 1 });

    expect(await retention().sweep()).toEqual({ runs: 3, reportFolders: 0, remnants: 0 });

    for (const gone of [done!, aborted!, cancelled!]) expect(await rowsOfRun(store, gone.runId)).toEqual(EMPTY);
    expect(existsSync(done!.reportPath!)).toBe(false);
    expect(existsSync(join(dataDir, 'reports', done!.runId))).toBe(false);
    for (const kept of [recent!, live!, finalWithVm!]) expect((await rowsOfRun(store, kept.runId)).runs).toBe(1);
    expect(await rowsOfRun(store, recent!.runId)).toEqual(before);
    expect(existsSync(recent!.reportPath!)).toBe(true);
  });

  it('deletes a backlog larger than a batch, batch after batch', async () => {
    const tenant = await newTenant();
    const old = await seedFinishedRuns(store, tenant, 250, { finishedDaysAgo: 60, journal: 5 });
    expect(await retention({ batchSize: 40 }).sweep()).toEqual({ runs: 250, reportFolders: 0, remnants: 0 });
    const [left] = await store.execute<{ n: number | string }>(`select count(*) as n from runs where tenant_id = ?`, [tenant]);
    expect(Number(left!.n)).toBe(0);
    expect(await rowsOfRun(store, old[249]!.runId)).toEqual(EMPTY);
  });

  it('keeps every run with retention 0', async () => {
    const tenant = await newTenant();
    const [ancient] = await seedFinishedRuns(store, tenant, 1, { finishedDaysAgo: 3000 });
    expect(await retention({ retentionDays: 0 }).sweep()).toEqual({ runs: 0, reportFolders: 0, remnants: 0 });
    expect((await rowsOfRun(store, ancient!.runId)).runs).toBe(1);
    // Let the other tests' sweeps not see it.
    await new RunDeletion(store, dataDir, log).delete([ancient!.runId]);
  });

  it('on a replica without the singleton work deletes no run, but removes the reports of runs deleted elsewhere', async () => {
    const tenant = await newTenant();
    const [old, deletedElsewhere] = await seedFinishedRuns(store, tenant, 2, { finishedDaysAgo: 60, reportsIn: dataDir });
    // Another replica deleted this run's rows; its report folder is in this replica's data dir.
    await store.write((repos) => repos.deletions.delete([deletedElsewhere!.runId]));
    expect(existsSync(deletedElsewhere!.reportPath!)).toBe(true);

    expect(await retention({}, false).sweep()).toEqual({ runs: 0, reportFolders: 1, remnants: 0 });
    expect(existsSync(join(dataDir, 'reports', deletedElsewhere!.runId))).toBe(false);
    expect((await rowsOfRun(store, old!.runId)).runs).toBe(1);
    expect(existsSync(old!.reportPath!)).toBe(true);

    expect(await retention().sweep()).toEqual({ runs: 1, reportFolders: 0, remnants: 0 });
    expect(existsSync(old!.reportPath!)).toBe(false);
  });

  it('RunDeletion.delete deletes only final runs with no VM left, and ignores ids that are no runs', async () => {
    const tenant = await newTenant();
    const [fresh] = await seedFinishedRuns(store, tenant, 1, { state: 'Cancelled', finishedDaysAgo: 0 });
    const [live] = await seedFinishedRuns(store, tenant, 1, { state: 'Executing', vm: 'running' });
    const [draining] = await seedFinishedRuns(store, tenant, 1, { state: 'Done', vm: 'pending' });
    const deletion = new RunDeletion(store, dataDir, log);
    expect(await deletion.delete([fresh!.runId, live!.runId, draining!.runId, 'not-a-uuid', '00000000-0000-4000-8000-000000000000'])).toEqual([fresh!.runId]);
    expect(await rowsOfRun(store, fresh!.runId)).toEqual(EMPTY);
    expect((await rowsOfRun(store, live!.runId)).runs).toBe(1);
    expect((await rowsOfRun(store, draining!.runId)).runs).toBe(1);
  });
});
