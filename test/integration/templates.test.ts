/**
 * Deployment templates through a real controller and the real client, on
 * SQLite and on PostgreSQL: versions (and `unchanged`), pinned reads after
 * delete, the launch checks at save (every field named), launching with
 * overrides and the run's record of the template, the checks again at launch
 * after the catalog changed (naming the template's fields), roles, tenant
 * isolation, and parameter values sealed at rest.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, SlipstreamError, type SlipstreamClient, type TemplateSpec } from '../../client/index.js';
import type { FieldViolation } from '../../common/errors.js';
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { application, component } from '../helpers/fixtures.js';
import { selectRows } from '../helpers/sql.js';

/** A template of the test application `t/app` (nodes db, web over `t/base`). */
const spec = (name: string, extra: Partial<TemplateSpec> = {}): TemplateSpec => ({
  name,
  module: 't/app',
  nodeClouds: {},
  parameters: { 'db:port': '5432' },
  multiplicities: { web: 1 },
  tags: ['ci'],
  scalable: false,
  sshPublicKeys: [],
  keepRunning: 'never',
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<SlipstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the call must fail').toBeInstanceOf(SlipstreamError);
  return err as SlipstreamError;
}

async function violations(promise: Promise<unknown>): Promise<FieldViolation[]> {
  const err = await failure(promise);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  return [...(err as InvalidArgumentError).violations];
}

describe.each(TEST_DATABASES)('deployment templates on %s', (database) => {
  let controller: TestController;
  const clients: SlipstreamClient[] = [];
  const connect = (token: string) => {
    const client = createSlipstreamClient({ address: controller.address, token });
    clients.push(client);
    return client;
  };
  let admin: SlipstreamClient;
  let viewer: SlipstreamClient;
  let deployer: SlipstreamClient;
  let editor: SlipstreamClient;
  let other: SlipstreamClient;
  const launched: string[] = [];

  beforeAll(async () => {
    controller = await startTestController({ database });
    const operator = connect(controller.adminToken);
    const acme = await operator.tenants.create({ name: 'acme' });
    const globex = await operator.tenants.create({ name: 'globex' });
    admin = connect(acme.adminToken);
    other = connect(globex.adminToken);
    const role = async (user: string, pbRole: PbRole) => {
      await admin.users.create({ name: user, role: pbRole });
      return connect((await admin.tokens.create({ name: 'test', user })).secret);
    };
    viewer = await role('vera', PbRole.ROLE_VIEWER);
    deployer = await role('dana', PbRole.ROLE_DEPLOYER);
    editor = await role('eddie', PbRole.ROLE_EDITOR);
    await admin.modules.save(component('t/base'));
    await admin.modules.save(application('t/app', 't/base'));
    await admin.modules.save(component('t/needs', { parameters: [{ name: 'token', category: 'input', type: 'password', required: true }] }));
    await admin.modules.save({ kind: 'project', path: 't' });
    await other.modules.save(component('t/base'));
    await other.modules.save(application('t/app', 't/base'));
  });

  afterAll(async () => {
    for (const id of launched) await admin.runs.terminate(id).catch(() => undefined);
    for (const c of clients) c.close();
    await controller?.stop();
  });

  it('every save with new content is a new immutable version; equal content reports unchanged; history and list show them', async () => {
    const v1 = await editor.templates.save(spec('shop-ci'), { message: 'first' });
    expect(v1.created).toBe(true);
    expect(v1.template.info).toMatchObject({ version: 1, author: 'eddie', message: 'first' });
    expect(v1.template.info.contentHash).toMatch(/^[0-9a-f]{64}$/);

    // The same content, written in another order and with a repeated tag: canonical, so unchanged.
    const again = await editor.templates.save({ ...spec('shop-ci'), tags: ['ci', 'ci'] }, { message: 'again' });
    expect(again.created).toBe(false);
    expect(again.template.info.version).toBe(1);

    const v2 = await editor.templates.save(spec('shop-ci', { parameters: { 'db:port': '6543' }, description: 'nightly' }), { message: 'second' });
    expect(v2.created).toBe(true);
    expect(v2.template.info.version).toBe(2);
    expect(v2.template.latestVersion).toBe(2);

    expect((await viewer.templates.get('shop-ci')).spec.parameters).toEqual({ 'db:port': '6543' });
    const pinned = await viewer.templates.get('shop-ci@1');
    expect(pinned.spec).toMatchObject({ module: 't/app', parameters: { 'db:port': '5432' }, multiplicities: { web: 1 }, tags: ['ci'], keepRunning: 'never' });
    expect(pinned.latestVersion).toBe(2);

    const history = await viewer.templates.history('shop-ci');
    expect(history.map((v) => [v.version, v.message])).toEqual([
      [2, 'second'],
      [1, 'first'],
    ]);
    const listed = (await viewer.templates.list()).find((t) => t.name === 'shop-ci');
    expect(listed).toMatchObject({ module: 't/app', description: 'nightly', latest: { version: 2 } });
  });

  it('expected_latest_version guards a save against a concurrent one (ABORTED)', async () => {
    await editor.templates.save(spec('guarded'), { expectedLatestVersion: 0 });
    const err = await failure(editor.templates.save(spec('guarded', { tags: ['x'] }), { expectedLatestVersion: 0 }));
    expect(err.code).toBe(status.ABORTED);
    expect((await editor.templates.save(spec('guarded', { tags: ['x'] }), { expectedLatestVersion: 1 })).template.info.version).toBe(2);
  });

  it('delete hides a template from listings and launches; pinned versions stay readable; a save revives it', async () => {
    await editor.templates.save(spec('doomed'));
    await editor.templates.delete('doomed');
    expect((await viewer.templates.list()).map((t) => t.name)).not.toContain('doomed');
    expect((await failure(viewer.templates.get('doomed'))).code).toBe(status.NOT_FOUND);
    expect((await viewer.templates.get('doomed@1')).deleted).toBe(true);
    expect((await failure(deployer.runs.launch({ module: '', template: 'doomed' }))).code).toBe(status.NOT_FOUND);
    expect((await failure(deployer.runs.launch({ module: '', template: 'doomed@1' }))).code).toBe(status.NOT_FOUND);
    expect((await failure(editor.templates.delete('doomed'))).code).toBe(status.NOT_FOUND);
    const revived = await editor.templates.save(spec('doomed', { tags: ['back'] }));
    expect(revived.template.info.version).toBe(2);
    expect(revived.template.deleted).toBe(false);
  });

  it('a save is checked as a launch would be, every violation at once, with the launch request field names', async () => {
    const bad = spec('bad', {
      parameters: { 'db:nope': '1', 'web:port': 'not-a-number', 'cache:port': '1', 'db:url': 'x' },
      nodeClouds: { web: 'no-such-cloud', ghost: 'local' },
      tags: ['ok', 'bad tag!'],
      timeoutMinutes: 100_000,
    });
    const found = await violations(editor.templates.save(bad));
    const fields = found.map((v) => v.field).sort();
    expect(fields).toEqual(
      [
        'node_clouds.ghost',
        'node_clouds.web',
        'parameters.cache:port',
        'parameters.db:nope',
        'parameters.db:url',
        'parameters.web:port',
        'tags[1]',
        'timeout_minutes',
      ].sort(),
    );
    expect(found.find((v) => v.field === 'parameters.db:nope')?.description).toMatch(/no parameter 'nope'/);
    expect(found.find((v) => v.field === 'parameters.db:url')?.description).toMatch(/output/);
    expect(found.find((v) => v.field === 'node_clouds.web')?.description).toMatch(/unknown cloud 'no-such-cloud'/);
    expect(found.find((v) => v.field === 'node_clouds.ghost')?.description).toMatch(/unknown node 'ghost'/);

    expect(await violations(editor.templates.save(spec('bad', { module: 't/ghost' })))).toEqual([{ field: 'module', description: expect.stringMatching(/t\/ghost/) }]);
    expect((await violations(editor.templates.save(spec('bad', { module: 't' }))))[0]).toMatchObject({ field: 'module', description: expect.stringMatching(/project/) });
    expect((await violations(editor.templates.save(spec('bad', { module: 'not a ref' }))))[0]?.field).toBe('module');
    expect((await violations(editor.templates.save(spec('bad', { module: '' }))))[0]).toMatchObject({ field: 'module', description: expect.stringMatching(/required/) });
    expect((await violations(editor.templates.save(spec('bad', { multiplicities: { ghost: 2 } }))))[0]?.field).toBe('multiplicities.ghost');
    expect((await violations(editor.templates.save(spec('bad', { defaultCloud: 'nowhere', multiplicities: {} }))))[0]?.field).toBe('default_cloud');
    expect((await violations(editor.templates.save(spec('Bad Name')))).map((v) => v.field)).toEqual(['name']);
    expect((await violations(editor.templates.save(spec('bad', { description: 'x'.repeat(1025) })))).map((v) => v.field)).toEqual(['description']);
    expect((await violations(editor.templates.save(spec('bad', { sshPublicKeys: ['not a key'] })))).map((v) => v.field)).toEqual(['ssh_public_keys[0]']);
    const rawSpec = { ...spec('bad'), nodeClouds: {}, parameters: {}, multiplicities: {}, defaultCloud: '', description: '', timeoutMinutes: 0, keepRunning: 99 };
    const rawErr = await failure(editor.rpc.unary(editor.templates.raw.saveTemplate.bind(editor.templates.raw), { spec: rawSpec, message: '' } as never));
    expect((rawErr as InvalidArgumentError).violations).toEqual([{ field: 'keep_running', description: 'is not a known value' }]);
    expect((await violations(viewer.templates.get('Bad@x'))).map((v) => v.field)).toEqual(['ref']);
    expect((await failure(viewer.templates.get('bad'))).code).toBe(status.NOT_FOUND);
  });

  it('a required input may be left to the launches: the save passes, a launch without it names the field', async () => {
    await editor.templates.save(spec('needs', { module: 't/needs', parameters: {}, multiplicities: {} }));
    const found = await violations(deployer.runs.launch({ module: '', template: 'needs' }));
    expect(found.map((v) => v.field)).toEqual(['parameters.machine:token']);
  });

  it('launch --template: the run carries the template name@N and its values; the request overrides them key by key', async () => {
    await editor.templates.save(spec('launchable', { parameters: { 'db:port': '5432', 'web:port': '8081' }, multiplicities: { web: 0, db: 0 } }));
    const run = await deployer.runs.launch({ module: '', template: 'launchable', parameters: { 'web:port': '9999' }, tags: ['extra'], timeoutMinutes: 7 });
    launched.push(run.id);
    expect(run.template).toBe('launchable@1');
    expect(run.module).toEqual({ path: 't/app', version: 1 });
    expect(run.tags.sort()).toEqual(['ci', 'extra']);
    expect(run.keepRunning).toBe('never');
    expect(run.timeoutMinutes).toBe(7);
    const nodes = Object.fromEntries(run.nodes.map((n) => [n.name, n.multiplicity]));
    expect(nodes).toEqual({ db: 0, web: 0 });
    const events = await deployer.runs.events(run.id);
    expect(events.map((e) => e.message)).toContain('launched t/app@1 from template launchable@1');

    const pinned = await deployer.runs.launch({ module: '', template: 'launchable@1', keepRunning: 'always' });
    launched.push(pinned.id);
    expect(pinned.template).toBe('launchable@1');
    expect(pinned.keepRunning).toBe('always');
    // A module given with the template overrides the template's.
    await admin.modules.save(application('t/app2', 't/base'));
    const other = await deployer.runs.launch({ module: 't/app2', template: 'launchable' });
    launched.push(other.id);
    expect(other.module.path).toBe('t/app2');
    expect(other.template).toBe('launchable@1');
  });

  it('at launch everything is checked again: a value the template gave is named template.FIELD, one the request gave by its own name', async () => {
    await admin.modules.save(component('t/drift', { parameters: [{ name: 'port', category: 'input', type: 'int', default: '1' }] }));
    await editor.templates.save(spec('drift', { module: 't/drift', parameters: { 'machine:port': '2' }, multiplicities: {}, tags: [] }));
    // The catalog changes under the template: the parameter is gone.
    await admin.modules.save(component('t/drift', { parameters: [] }));
    const found = await violations(deployer.runs.launch({ module: '', template: 'drift', parameters: { 'machine:nope': 'x' } }));
    expect(found.map((v) => v.field).sort()).toEqual(['parameters.machine:nope', 'template.parameters.machine:port']);
    expect(found.find((v) => v.field.startsWith('template.'))?.description).toMatch(/\(template drift@1\)$/);
    // The module is gone: the template's module is the field.
    await admin.modules.delete('t/drift');
    expect(await violations(deployer.runs.launch({ module: '', template: 'drift' }))).toEqual([
      { field: 'template.module', description: expect.stringMatching(/t\/drift.*\(template drift@1\)$/) },
    ]);
    expect((await violations(deployer.runs.launch({ module: '', template: 'bad ref' }))).map((v) => v.field)).toEqual(['template']);
    expect((await failure(deployer.runs.launch({ module: '', template: 'never-saved' }))).code).toBe(status.NOT_FOUND);
    expect((await violations(deployer.runs.launch({ module: '' }))).map((v) => v.field)).toEqual(['module']);
  });

  it('roles: editors save and delete, viewers read, deployers launch', async () => {
    for (const [who, client] of [
      ['viewer', viewer],
      ['deployer', deployer],
    ] as const) {
      expect((await failure(client.templates.save(spec(`by-${who}`)))).code, who).toBe(status.PERMISSION_DENIED);
      expect((await failure(client.templates.delete('shop-ci'))).code, who).toBe(status.PERMISSION_DENIED);
    }
    expect((await failure(viewer.runs.launch({ module: '', template: 'shop-ci' }))).code).toBe(status.PERMISSION_DENIED);
    expect((await admin.templates.save(spec('by-admin'))).created).toBe(true);
    await editor.templates.delete('by-admin');
  });

  it("other tenants' templates do not exist for a caller (NOT_FOUND), and names are per tenant", async () => {
    expect((await failure(other.templates.get('shop-ci'))).code).toBe(status.NOT_FOUND);
    expect((await failure(other.templates.get('shop-ci@1'))).code).toBe(status.NOT_FOUND);
    expect((await failure(other.templates.history('shop-ci'))).code).toBe(status.NOT_FOUND);
    expect((await failure(other.templates.delete('shop-ci'))).code).toBe(status.NOT_FOUND);
    expect((await failure(other.runs.launch({ module: '', template: 'shop-ci' }))).code).toBe(status.NOT_FOUND);
    expect((await other.templates.list()).map((t) => t.name)).not.toContain('shop-ci');
    const own = await other.templates.save(spec('shop-ci', { parameters: { 'db:port': '1' } }));
    expect(own.template.info.version).toBe(1);
    expect((await viewer.templates.get('shop-ci')).info.version).toBe(2);
  });

  it('parameter values are sealed at rest and open for readers', async () => {
    const secret = 'template-secret-value-42';
    await editor.templates.save(spec('sealed', { parameters: { 'db:port': '5432', 'web:port': '1234' } }));
    await editor.templates.save(spec('sealed2', { module: 't/needs', parameters: { 'machine:token': secret }, multiplicities: {} }));
    const rows = await selectRows(controller.databaseUrl, 'select content from template_versions');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => String(r.content)).join('\n')).not.toContain(secret);
    expect((await viewer.templates.get('sealed2')).spec.parameters).toEqual({ 'machine:token': secret });
  });
});
