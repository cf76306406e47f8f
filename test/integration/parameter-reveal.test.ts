/**
 * Who reads a password parameter's value, against a real controller on
 * SQLite and PostgreSQL: every call masks it (ListRunParameters,
 * GetRunParameter, SetRunParameter's answer, WatchRun); GetRunParameter with
 * `reveal` returns it to deployers, editors and admins of the run's tenant,
 * each reveal an event of the run; a viewer is denied naming the role; other
 * tenants find no run at all. Non-secret values are unaffected.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, SlipstreamError, type RunEvent, type SlipstreamClient } from '../../client/index.js';
import type { Role } from '../../common/roles.js';
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';

const SECRET = 'pw-reveal-0123456789-secret';
const CHANGED_SECRET = 'pw-changed-9876543210-secret';
const MASK = '********';
const PASSWORD_KEY = 'machine.1:password';
const PORT_KEY = 'machine.1:port';
const ROLES: readonly Role[] = ['viewer', 'deployer', 'editor', 'admin'];
const ROLE_PB = { viewer: PbRole.ROLE_VIEWER, deployer: PbRole.ROLE_DEPLOYER, editor: PbRole.ROLE_EDITOR, admin: PbRole.ROLE_ADMIN } as const;

/** Its VMs never finish provisioning: the run stays live, with no agent process, for as long as the file needs it. */
const PARKED_CLOUD = { name: 'parked', driver: 'fake', settings: { world: `reveal-${process.pid}`, provisionDelayMs: '3600000' } };

async function failureOf(promise: Promise<unknown>): Promise<SlipstreamError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SlipstreamError);
  return outcome as SlipstreamError;
}

const reveals = (events: RunEvent[]) => events.filter((e) => e.type === 'reveal').map((e) => [e.actor, e.message]);

describe.each(TEST_DATABASES)('password parameter values on %s', (database) => {
  let controller: TestController;
  const clients: SlipstreamClient[] = [];
  const connect = (token: string) => {
    const client = createSlipstreamClient({ address: controller.address, token });
    clients.push(client);
    return client;
  };
  /** Tenant acme's users, one per role; the admin is `admin`, the others are named after their role. */
  const acme = {} as Record<Role, SlipstreamClient>;
  const userOf = (role: Role) => (role === 'admin' ? 'admin' : role);
  let globexAdmin: SlipstreamClient;
  let globexViewer: SlipstreamClient;
  let runId = '';

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [PARKED_CLOUD] });
    const operator = connect(controller.adminToken);
    const a = await operator.tenants.create({ name: 'acme' });
    const b = await operator.tenants.create({ name: 'globex' });
    // Clouds whose VMs would run on the controller's host need an operator-given quota for other tenants.
    await operator.clouds.setQuota('acme', PARKED_CLOUD.name, 10);
    acme.admin = connect(a.adminToken);
    globexAdmin = connect(b.adminToken);
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      await acme.admin.users.create({ name: role, role: ROLE_PB[role] });
      acme[role] = connect((await acme.admin.tokens.create({ name: 'test', user: role })).secret);
    }
    await globexAdmin.users.create({ name: 'gina', role: PbRole.ROLE_VIEWER });
    globexViewer = connect((await globexAdmin.tokens.create({ name: 'test', user: 'gina' })).secret);
    await acme.admin.modules.save({
      kind: 'component',
      path: 'vault/db',
      images: { parked: 'img-1' },
      resources: {},
      recipes: {},
      parameters: [
        { name: 'password', category: 'input', type: 'password', default: SECRET },
        { name: 'port', category: 'input', type: 'int', default: '5432' },
      ],
    });
    runId = (await acme.deployer.runs.launch({ module: 'vault/db', defaultCloud: 'parked' })).id;
  });

  afterAll(async () => {
    if (runId) await acme.admin?.runs.terminate(runId).catch(() => undefined);
    for (const c of clients) c.close();
    await controller?.stop();
  });

  it.each(ROLES)('%s: ListRunParameters and GetRunParameter mask the password and show the other values', async (role) => {
    const listed = await acme[role].runs.listParameters(runId, 'machine.1:');
    expect(listed.find((p) => p.key === PASSWORD_KEY)).toMatchObject({ value: MASK, set: true, secret: true });
    expect(listed.find((p) => p.key === PORT_KEY)).toMatchObject({ value: '5432', secret: false });
    expect(await acme[role].runs.getParameter(runId, PASSWORD_KEY)).toMatchObject({ value: MASK, set: true, secret: true });
    expect(await acme[role].runs.getParameter(runId, 'machine:password')).toMatchObject({ value: MASK, secret: true });
    expect((await acme[role].runs.getParameter(runId, PORT_KEY)).value).toBe('5432');
  });

  it.each(['machine.1:ip', 'machine:instanceid', 'machine.1:vmstate', 'machine.1:complete', 'machine:ids', 'machine:multiplicity', 'ss:state', 'ss:abort'])(
    'SetRunParameter of %s, which only the controller writes, is PERMISSION_DENIED naming the key, even for an admin',
    async (key) => {
      const before = await acme.admin.runs.getParameter(runId, key);
      const failure = await failureOf(acme.admin.runs.setParameter(runId, key, '6.6.6.6'));
      expect(failure.code).toBe(status.PERMISSION_DENIED);
      expect(failure.message).toContain('is written only by the controller');
      expect(failure.message).toContain(key.replace(/^machine:(?!ids|multiplicity)/, 'machine.1:'));
      expect(await acme.admin.runs.getParameter(runId, key)).toEqual(before);
    },
  );

  it('SetRunParameter still sets inputs, hostname, statecustom, url.service and ss:tags', async () => {
    for (const key of ['machine.1:port', 'machine.1:hostname', 'machine.1:statecustom', 'machine.1:url.service', 'ss:url.service', 'ss:tags']) {
      expect((await acme.deployer.runs.setParameter(runId, key, '6543')).value).toBe('6543');
    }
    await acme.deployer.runs.setParameter(runId, PORT_KEY, '5432');
  });

  it.each(ROLES.filter((r) => r !== 'viewer'))('%s: reveal returns the password and records who revealed it', async (role) => {
    const before = reveals(await acme.admin.runs.events(runId));
    const revealed = await acme[role].runs.getParameter(runId, PASSWORD_KEY, { reveal: true });
    expect(revealed).toMatchObject({ key: PASSWORD_KEY, value: SECRET, set: true, secret: true });
    // Recorded before the value was returned: the event is there as soon as the call is answered.
    expect(reveals(await acme.admin.runs.events(runId))).toEqual([...before, [`user:${userOf(role)}`, `parameter ${PASSWORD_KEY} revealed`]]);
  });

  it.each(ROLES.filter((r) => r !== 'viewer'))('%s: reveal of a non-secret parameter returns its value and records nothing', async (role) => {
    const before = await acme.admin.runs.events(runId);
    expect(await acme[role].runs.getParameter(runId, PORT_KEY, { reveal: true })).toMatchObject({ value: '5432', secret: false });
    expect(await acme.admin.runs.events(runId)).toEqual(before);
  });

  it('viewer: reveal is PERMISSION_DENIED naming the deployer role, for any parameter, and records nothing', async () => {
    const before = await acme.admin.runs.events(runId);
    for (const key of [PASSWORD_KEY, PORT_KEY]) {
      const err = await failureOf(acme.viewer.runs.getParameter(runId, key, { reveal: true }));
      expect(err.code).toBe(status.PERMISSION_DENIED);
      expect(err.metadata).toEqual({ requiredRole: 'deployer' });
      expect(err.message).toContain('needs the deployer role');
      expect(err.message).not.toContain(SECRET);
    }
    expect(await acme.admin.runs.events(runId)).toEqual(before);
  });

  it('another tenant finds no run, revealing or not, whatever its role', async () => {
    const before = await acme.admin.runs.events(runId);
    for (const client of [globexAdmin, globexViewer]) {
      expect((await failureOf(client.runs.listParameters(runId))).code).toBe(status.NOT_FOUND);
      expect((await failureOf(client.runs.getParameter(runId, PASSWORD_KEY))).code).toBe(status.NOT_FOUND);
      expect((await failureOf(client.runs.getParameter(runId, PASSWORD_KEY, { reveal: true }))).code).toBe(status.NOT_FOUND);
    }
    expect(await acme.admin.runs.events(runId)).toEqual(before);
  });

  it("SetRunParameter's answer and WatchRun's parameter change mask the new password; a reveal shows it", async () => {
    const set = await acme.deployer.runs.setParameter(runId, PASSWORD_KEY, CHANGED_SECRET);
    expect(set).toMatchObject({ key: PASSWORD_KEY, value: MASK, set: true, secret: true });

    const watching = new AbortController();
    const changes = [];
    for await (const update of acme.viewer.runs.watch(runId, { signal: watching.signal })) {
      if (update.update?.$case === 'parameterChanged' && update.update.value.key === PASSWORD_KEY) changes.push(update.update.value);
      if (update.update?.$case === 'snapshot') expect(JSON.stringify(update.update.value)).not.toContain(CHANGED_SECRET);
      if (changes.length > 0) break;
    }
    watching.abort();
    expect(changes).toEqual([expect.objectContaining({ key: PASSWORD_KEY, value: MASK, secret: true })]);

    expect((await acme.editor.runs.getParameter(runId, PASSWORD_KEY, { reveal: true })).value).toBe(CHANGED_SECRET);
    expect((await acme.viewer.runs.getParameter(runId, PASSWORD_KEY)).value).toBe(MASK);
  });

  it('no password value reached the logs', () => {
    const logged = JSON.stringify(controller.logs);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain(CHANGED_SECRET);
    expect(controller.logs.filter((l) => l.msg === 'parameter revealed').length).toBeGreaterThanOrEqual(4);
  });
});
