/**
 * GetUsage against a real controller, on SQLite and PostgreSQL: a real run
 * on the `local` cloud is metered from its VM running to its VM destroyed
 * (open while it runs, fixed once it is gone), grouped and totalled, through
 * the client and `slipstream usage`; tenant admins read their own tenant,
 * operator admins any tenant or all, others PERMISSION_DENIED naming the
 * admin role, another tenant NOT_FOUND; bad periods and keys are
 * INVALID_ARGUMENT with field violations.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from '../../client/errors.js';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import { bound } from '../../client/rpc.js';
import { CredentialCipher } from '../../controller/auth/credential-cipher.js';
import { parseDatabaseUrl } from '../../controller/store/database-url.js';
import { Store } from '../../controller/store/store.js';
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { waitFor } from '../helpers/poll.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

describe.each(TEST_DATABASES)('usage on %s', (database) => {
  let controller: TestController;
  let operator: SlipstreamClient;
  let globex: SlipstreamClient;
  const others: Record<string, SlipstreamClient> = {};
  let store: Store;
  let dir: string;
  let runId: string;
  let launchedAt: Date;

  const cli = async (argv: string[]) => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: controller.adminToken }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };
  const vmTimes = async () => {
    const [row] = await store.execute<{ started: unknown; stopped: unknown }>(`select vm_started_at as started, vm_stopped_at as stopped from run_instances where run_id = ?`, [runId]);
    const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | number));
    return { started: date(row!.started), stopped: date(row!.stopped) };
  };

  beforeAll(async () => {
    controller = await startTestController({ database });
    operator = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    for (const [name, role] of [['vic', PbRole.ROLE_VIEWER], ['dee', PbRole.ROLE_DEPLOYER], ['eddie', PbRole.ROLE_EDITOR]] as const) {
      await operator.users.create({ name, role });
      others[name] = createSlipstreamClient({ address: controller.address, token: (await operator.tokens.create({ name: 'test', user: name })).secret });
    }
    globex = createSlipstreamClient({ address: controller.address, token: (await operator.tenants.create({ name: 'globex' })).adminToken });
    store = await Store.open(parseDatabaseUrl(controller.databaseUrl), pino({ level: 'silent' }), new CredentialCipher(randomBytes(32)));
    dir = await mkdtemp(join(tmpdir(), 'slipstream-usage-'));
    await operator.modules.save({ kind: 'component', path: 'meter/one', images: { local: 'local' }, resources: {}, recipes: { deployment: 'echo up' }, parameters: [] });
  }, 60_000);

  afterAll(async () => {
    for (const c of [operator, globex, ...Object.values(others)]) c?.close();
    await store?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('meters a running VM up to now, then from its start to its destruction once terminated', async () => {
    launchedAt = new Date();
    runId = (await operator.runs.launch({ module: 'meter/one', keepRunning: 'always' })).id;
    await waitFor('the run to be Ready', async () => ((await operator.runs.get(runId)).state === 'Ready' ? true : undefined), 60_000);
    const running = await vmTimes();
    expect(running.started).not.toBeNull();
    expect(running.stopped).toBeNull();
    const period = { from: new Date(launchedAt.getTime() - HOUR_MS), to: new Date(launchedAt.getTime() + HOUR_MS) };

    const first = await operator.usage.get(period);
    expect(first.groupBy).toEqual(['tenant', 'user', 'cloud', 'module']);
    const me = (await operator.users.whoAmI()).user!.name;
    expect(first.rows).toEqual([{ tenant: 'default', user: me, cloud: 'local', module: 'meter/one', instanceHours: first.totals.instanceHours, runs: 1, instances: 1 }]);
    expect(first.totals).toMatchObject({ tenant: '', runs: 1, instances: 1 });
    // Open: counted up to the moment of the read.
    expect(first.totals.instanceHours * HOUR_MS).toBeCloseTo(first.asOf.getTime() - running.started!.getTime(), -2);
    await waitFor('the open interval to grow', async () => ((await operator.usage.get(period)).totals.instanceHours > first.totals.instanceHours ? true : undefined), 10_000);

    await operator.runs.terminate(runId);
    await waitFor('the run to be Done', async () => ((await operator.runs.get(runId)).state === 'Done' ? true : undefined), 60_000);
    const gone = await vmTimes();
    expect(gone.started).toEqual(running.started);
    expect(gone.stopped!.getTime()).toBeGreaterThan(gone.started!.getTime());
    const closed = await operator.usage.get(period);
    expect(closed.totals.instanceHours * HOUR_MS).toBeCloseTo(gone.stopped!.getTime() - gone.started!.getTime(), 0);
    expect((await operator.usage.get(period)).totals).toEqual(closed.totals);
    // Periods that split the VM's life add up to the whole of it.
    const cut = new Date((gone.started!.getTime() + gone.stopped!.getTime()) / 2);
    const before = await operator.usage.get({ from: period.from, to: cut });
    const after = await operator.usage.get({ from: cut, to: period.to });
    expect(before.totals.instanceHours + after.totals.instanceHours).toBeCloseTo(closed.totals.instanceHours, 9);
    expect(before.totals.runs + after.totals.runs).toBe(1);
  }, 120_000);

  it('slipstream usage prints the rows and totals, and JSON', async () => {
    const from = new Date(launchedAt.getTime() - DAY_MS).toISOString().slice(0, 10);
    const table = await cli(['usage', '--from', from, '--by', 'cloud,module']);
    expect(table.err).toBe('');
    expect(table.code).toBe(0);
    const lines = table.out.trim().split('\n').map((l) => l.split('\t'));
    expect(lines[0]).toEqual(['CLOUD', 'MODULE', 'INSTANCE HOURS', 'RUNS', 'INSTANCES']);
    expect(lines[1]!.slice(0, 2)).toEqual(['local', 'meter/one']);
    expect(lines[1]!.slice(3)).toEqual(['1', '1']);
    expect(lines.at(-1)![0]).toBe('total');
    const json = await cli(['usage', '--from', from, '--all-tenants', '--output', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { rows: { tenant: string; runs: number }[]; totals: { runs: number } };
    expect(parsed.rows.map((r) => r.tenant)).toEqual(['default']);
    expect(parsed.totals.runs).toBe(1);
  });

  it('a tenant admin reads its own tenant only; operator admins read any tenant or all', async () => {
    const period = { from: new Date(launchedAt.getTime() - DAY_MS), to: new Date(Date.now() + HOUR_MS) };
    const own = await globex.usage.get(period);
    expect(own.rows).toEqual([]);
    expect(own.totals).toMatchObject({ instanceHours: 0, runs: 0, instances: 0 });
    expect((await globex.usage.get({ ...period, tenant: 'globex' })).totals.runs).toBe(0);
    // Another tenant is not revealed: NOT_FOUND, like one that does not exist.
    await expect(globex.usage.get({ ...period, tenant: 'default' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(globex.usage.get({ ...period, tenant: 'initech' })).rejects.toBeInstanceOf(NotFoundError);
    const all = await globex.usage.get({ ...period, allTenants: true }).catch((err: unknown) => err);
    expect(all).toBeInstanceOf(PermissionDeniedError);
    expect((all as Error).message).toContain('operator tenant');

    expect((await operator.usage.get({ ...period, tenant: 'globex' })).totals.runs).toBe(0);
    expect((await operator.usage.get({ ...period, allTenants: true, groupBy: ['tenant'] })).rows.map((r) => r.tenant)).toEqual(['default']);
    await expect(operator.usage.get({ ...period, tenant: 'initech' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await cli(['usage', '--tenant', 'globex', '--from', period.from.toISOString()])).toMatchObject({ code: 0 });
  });

  it('viewers, deployers and editors are PERMISSION_DENIED naming the admin role; the CLI exits 4', async () => {
    const period = { from: new Date(Date.now() - DAY_MS), to: new Date() };
    for (const [name, client] of Object.entries(others)) {
      const denied = await client.usage.get(period).catch((err: unknown) => err);
      expect(denied, name).toBeInstanceOf(PermissionDeniedError);
      expect((denied as Error).message).toContain('GetUsage needs the admin role');
    }
    const token = (await operator.tokens.create({ name: 'cli', user: 'vic' })).secret;
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: token }, configPath: join(dir, 'config.yaml') });
    expect(await runCli(['usage'], deps)).toBe(4);
    expect(deps.err()).toContain('needs the admin role');
  });

  it('bad periods, keys and scopes are INVALID_ARGUMENT with every field violation; the CLI exits 1', async () => {
    const raw = (request: object) => operator.rpc.unary(bound(operator.usage.raw, 'getUsage'), { groupBy: [], tenant: '', allTenants: false, ...request });
    const violations = async (request: object) => {
      const err = await raw(request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      return (err as InvalidArgumentError).violations;
    };
    const from = new Date('2026-12-01T00:00:00Z');
    expect(await violations({})).toEqual([
      { field: 'from', description: 'is required: the start of the period' },
      { field: 'to', description: 'is required: the end of the period (exclusive)' },
    ]);
    expect(await violations({ from, to: from })).toEqual([{ field: 'to', description: 'must be after from' }]);
    expect(await violations({ from, to: new Date(from.getTime() + 367 * DAY_MS) })).toEqual([{ field: 'to', description: 'must be at most 366 days after from' }]);
    expect(await violations({ from, to: new Date(from.getTime() + DAY_MS), groupBy: ['cloud', 'region'], tenant: 'globex', allTenants: true })).toEqual([
      { field: 'group_by[1]', description: "unknown key 'region': one of tenant, user, cloud, module" },
      { field: 'all_tenants', description: 'give tenant or all_tenants, not both' },
    ]);
    expect(await cli(['usage', '--from', '2026-12-08', '--to', '2026-12-01'])).toEqual({ code: 1, out: '', err: 'error: invalid argument (1 violation):\n  to: must be after from\n' });
    expect(await cli(['usage', '--from', '2025-01-01', '--to', '2026-12-01'])).toMatchObject({ code: 1, err: expect.stringContaining('to: must be at most 366 days after from') });
  });
});
