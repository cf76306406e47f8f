/**
 * Usage summed in SQL equals vm-interval.ts's arithmetic over a few thousand
 * synthetic instances on both databases (grouped by every key subset, one
 * tenant or all), stays the same when runs are deleted (usage_archive), and
 * answers without reading the rows into memory (one row per group back).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_GROUP_KEYS, type UsageGroupKey } from '../../../common/usage/group-keys.js';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { openTestStore } from '../../../test/helpers/store.js';
import { launchedDuring, ranDuring, secondsDuring, type UsagePeriod } from '../../domain/usage/vm-interval.js';
import { RunInstanceEntity, type RunInstanceRow } from '../entities/run-instance.js';
import { RunEntity, type RunRow } from '../entities/run.js';
import type { Store } from '../store.js';
import { newInstanceRow } from './run-instances.js';
import type { UsageScope, UsageSums } from './usage.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const NOW = new Date('2026-12-20T12:00:00.000Z');

/** A deterministic pseudo-random sequence (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Synthetic {
  tenant: string;
  tenantId: string;
  runId: string;
  owner: string;
  module: string;
  launchedAt: Date;
  /** The run's default cloud, under which a run without instances counts. */
  defaultCloud: string;
  instances: { cloud: string; startedAt: Date | null; stoppedAt: Date | null }[];
}

/** The expected sums, computed by vm-interval.ts from the synthetic rows. */
function expected(runs: readonly Synthetic[], period: UsagePeriod, keys: readonly UsageGroupKey[], tenantId?: string): UsageSums[] {
  const groups = new Map<string, UsageSums & { runIds: Set<string> }>();
  const group = (run: Synthetic, cloud: string) => {
    const row = { tenant: run.tenant, user: run.owner, cloud, module: run.module };
    const keyed = Object.fromEntries(USAGE_GROUP_KEYS.map((k) => [k, keys.includes(k) ? row[k] : ''])) as Pick<UsageSums, UsageGroupKey>;
    const id = JSON.stringify(keyed);
    const found = groups.get(id) ?? { ...keyed, instanceSeconds: 0, runs: 0, instances: 0, runIds: new Set<string>() };
    groups.set(id, found);
    return found;
  };
  for (const run of runs) {
    if (tenantId && run.tenantId !== tenantId) continue;
    const clouds = run.instances.length ? run.instances.map((i) => i.cloud) : [run.defaultCloud];
    if (launchedDuring(run.launchedAt, period)) for (const cloud of clouds) group(run, cloud).runIds.add(run.runId);
    for (const i of run.instances) {
      if (!i.startedAt) continue;
      const vm = { startedAt: i.startedAt, stoppedAt: i.stoppedAt };
      if (!ranDuring(vm, period, NOW)) continue;
      const g = group(run, i.cloud);
      g.instanceSeconds += secondsDuring(vm, period, NOW);
      g.instances += 1;
    }
  }
  return [...groups.values()]
    .map(({ runIds, ...sums }) => ({ ...sums, runs: runIds.size }))
    .filter((g) => g.runs > 0 || g.instances > 0)
    .sort((a, b) => {
      for (const k of keys) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
      return 0;
    });
}

/** Compares sums with a tolerance on the seconds (floating point sums in different orders). */
function expectSums(actual: readonly UsageSums[], wanted: readonly UsageSums[]): void {
  expect(actual.map(({ instanceSeconds: _s, ...rest }) => rest)).toEqual(wanted.map(({ instanceSeconds: _s, ...rest }) => rest));
  actual.forEach((row, i) => expect(row.instanceSeconds).toBeCloseTo(wanted[i]!.instanceSeconds, 3));
}

describe.each(TEST_DATABASES)('usage sums on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const runs: Synthetic[] = [];
  const period: UsagePeriod = { from: new Date(NOW.getTime() - 20 * DAY_MS), to: new Date(NOW.getTime() - 5 * DAY_MS) };
  const sums = (scope: UsageScope, keys: UsageGroupKey[], p = period) => store.read((repos) => repos.usage.sums(scope, { period: p, groupBy: keys }, NOW));

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(database));
    const next = random(22);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const tenants = await store.write(async (repos) => [
      await repos.tenants.create({ name: 'acme', displayName: 'acme', operator: false }),
      await repos.tenants.create({ name: 'globex', displayName: 'globex', operator: false }),
    ]);
    const runRows: Partial<RunRow>[] = [];
    const instanceRows: RunInstanceRow[] = [];
    // About 3,000 instances over 400 runs launched in the 40 days before NOW.
    for (let n = 0; n < 400; n++) {
      const tenant = pick(tenants);
      const launchedAt = new Date(NOW.getTime() - Math.floor(next() * 40 * DAY_MS));
      const run: Synthetic = {
        tenant: tenant.name, tenantId: tenant.id, runId: randomUUID(), owner: pick(['alice', 'bob', 'carol']), module: pick(['shop/shop', 'web/nginx', 'db/pg']),
        launchedAt, defaultCloud: pick(['local', 'aws-eu']), instances: [],
      };
      const count = n % 25 === 0 ? 0 : 1 + Math.floor(next() * 14);
      for (let i = 1; i <= count; i++) {
        const never = next() < 0.1;
        const startedAt = never ? null : new Date(launchedAt.getTime() + Math.floor(next() * 2 * HOUR_MS));
        const alive = next() < 0.15;
        const stoppedAt = !startedAt || alive ? null : new Date(Math.min(startedAt.getTime() + Math.floor(next() * 5 * DAY_MS), NOW.getTime()));
        const cloud = pick(['local', 'aws-eu', 'gcp']);
        run.instances.push({ cloud, startedAt, stoppedAt });
        instanceRows.push({
          ...newInstanceRow(run.runId, { name: `web.${i}`, node: 'web', index: i, cloud }, launchedAt),
          vm: startedAt ? (stoppedAt ? 'terminated' : 'running') : 'failed',
          vmId: startedAt ? `vm-${n}-${i}` : null,
          vmStartedAt: startedAt,
          vmStoppedAt: stoppedAt,
        });
      }
      runs.push(run);
      runRows.push({
        id: run.runId, tenant: tenant.id, owner: run.owner, modulePath: run.module, moduleVersion: 1, kind: 'application',
        plan: '{}', state: 'Done', epoch: 0, abortMessage: null, abortedAt: null, recoveryMode: false, keepRunning: 'never', scalable: false,
        timeoutMinutes: 30, defaultCloud: run.defaultCloud, sshKeys: '[]', nodes: '[]', scale: null, finalState: 'Done', requestId: null,
        lastSequence: 0, leaseHolder: null, leaseEpoch: 0, leaseBinding: null, createdAt: launchedAt, stateChangedAt: launchedAt, finishedAt: launchedAt,
      });
    }
    await store.write(async (_repos, em) => {
      for (let i = 0; i < runRows.length; i += 200) await em.insertMany(RunEntity, runRows.slice(i, i + 200) as never[]);
      for (let i = 0; i < instanceRows.length; i += 200) await em.insertMany(RunInstanceEntity, instanceRows.slice(i, i + 200) as never[]);
    });
  }, 120_000);
  afterAll(async () => dispose());

  it('sums every key subset as the interval arithmetic does, for one tenant and for all', async () => {
    expect(runs.reduce((n, r) => n + r.instances.length, 0)).toBeGreaterThan(2_500);
    const subsets: UsageGroupKey[][] = [[], ['tenant'], ['user'], ['cloud'], ['module'], ['tenant', 'cloud'], [...USAGE_GROUP_KEYS]];
    const acmeId = runs.find((r) => r.tenant === 'acme')!.tenantId;
    for (const keys of subsets) {
      const all = await sums('all-tenants', keys);
      expectSums(keys.length ? all.rows : [all.totals], expected(runs, period, keys));
      const acme = await sums({ tenantId: acmeId }, keys);
      expectSums(keys.length ? acme.rows : [acme.totals], expected(runs, period, keys, acmeId));
      expect(acme.rows.every((row) => keys.includes('tenant') ? row.tenant === 'acme' : row.tenant === '')).toBe(true);
    }
  });

  it('counts a multi-cloud run under each cloud and once in the totals', async () => {
    const { rows, totals } = await sums('all-tenants', ['cloud']);
    expect(totals.runs).toBe(runs.filter((r) => launchedDuring(r.launchedAt, period)).length);
    expect(rows.reduce((n, r) => n + r.runs, 0)).toBeGreaterThan(totals.runs);
    expect(rows.reduce((n, r) => n + r.instanceSeconds, 0)).toBeCloseTo(totals.instanceSeconds, 3);
  });

  it('meters VMs still running up to now, also in a period that ends in the future', async () => {
    const future: UsagePeriod = { from: new Date(NOW.getTime() - DAY_MS), to: new Date(NOW.getTime() + 10 * DAY_MS) };
    const { totals } = await sums('all-tenants', [], future);
    expectSums([totals], expected(runs, future, []));
    expect(totals.instances).toBeGreaterThan(0);
  });

  it('answers a year over every run in a few hundred rows at most, fast', async () => {
    const year: UsagePeriod = { from: new Date(NOW.getTime() - 366 * DAY_MS), to: NOW };
    const started = performance.now();
    const { rows, totals } = await sums('all-tenants', [...USAGE_GROUP_KEYS], year);
    const ms = performance.now() - started;
    expectSums(rows, expected(runs, year, [...USAGE_GROUP_KEYS]));
    expect(totals.runs).toBe(runs.length);
    expect(rows.length).toBeLessThanOrEqual(2 * 3 * 3 * 3);
    // Both queries (rows and totals) over ~3,000 instances: tens of milliseconds here; a generous bound for a loaded machine.
    expect(ms).toBeLessThan(5_000);
    console.log(`usage over ${runs.reduce((n, r) => n + r.instances.length, 0)} instances of ${runs.length} runs on ${database}: ${ms.toFixed(0)} ms`);
  });

  it('keeps the usage of deleted runs (usage_archive): the sums do not change', async () => {
    const before = await sums('all-tenants', [...USAGE_GROUP_KEYS]);
    const deleted = runs.filter((_, n) => n % 2 === 0).map((r) => r.runId);
    await store.write((repos) => repos.deletions.delete(deleted));
    const [left] = await store.execute<{ n: number | string }>(`select count(*) as n from runs`);
    expect(Number(left!.n)).toBe(runs.length - deleted.length);
    const after = await sums('all-tenants', [...USAGE_GROUP_KEYS]);
    expectSums(after.rows, before.rows);
    expectSums([after.totals], [before.totals]);
    expectSums(after.rows, expected(runs, period, [...USAGE_GROUP_KEYS]));
  });
});
