/**
 * Sharing modules across tenants through a real controller, the client
 * library and the CLI, on SQLite and on PostgreSQL. Tenant acme publishes
 * its application (one version to globex, then every version to every
 * tenant); globex reads, resolves and launches it as `@acme/shop/shop`, in
 * acme's catalog (its unpublished components included) but without acme's
 * password defaults, as a run of globex; tenant initech sees nothing until
 * it is published to everyone. Anything not published reads NOT_FOUND as if
 * absent; writes through `@acme/...` are read-only; unpublishing stops new
 * reads and launches while a run already launched reaches Ready and
 * terminates as usual. Bad input names its field.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, SlipstreamError, type SlipstreamClient } from '../../client/index.js';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import type { ModuleDocument } from '../../common/modules/types.js';
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import { WAITING_CLOUD } from '../helpers/agent-credential.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { waitFor } from '../helpers/poll.js';

const SECRET = 'acme-db-secret-0123456789';
const READ_ONLY = 'modules of another tenant are read-only';

const images = { local: 'local', [WAITING_CLOUD.name]: 'img' };
const base: ModuleDocument = { kind: 'component', path: 'shop/base', images, resources: {}, recipes: { deployment: 'echo base' }, parameters: [] };
const web: ModuleDocument = {
  kind: 'component',
  path: 'shop/web',
  parent: 'shop/base',
  images: {},
  resources: {},
  recipes: { deployment: 'echo web' },
  parameters: [
    { name: 'password', category: 'input', type: 'password', default: SECRET },
    { name: 'port', category: 'input', type: 'int', default: '8080' },
  ],
};
const shop = (description: string): ModuleDocument => ({
  kind: 'application',
  path: 'shop/shop',
  description,
  nodes: [{ name: 'web', component: 'shop/web', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} }],
});

async function failure(promise: Promise<unknown>): Promise<SlipstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SlipstreamError);
  return err as SlipstreamError;
}

const violations = (err: SlipstreamError) => (err as InvalidArgumentError).violations;
const fields = (err: SlipstreamError) => violations(err).map((v) => v.field);

describe.each(TEST_DATABASES)('sharing modules across tenants on %s', (database) => {
  let controller: TestController;
  let operator: SlipstreamClient;
  let acme: SlipstreamClient;
  let acmeViewer: SlipstreamClient;
  let globex: SlipstreamClient;
  let globexViewer: SlipstreamClient;
  let globexDeployer: SlipstreamClient;
  let initech: SlipstreamClient;
  const tokens: Record<string, string> = {};
  let dir: string;

  const cli = async (token: string, argv: string[]) => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: token }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };
  const connect = (token: string) => createSlipstreamClient({ address: controller.address, token });
  async function userOf(admin: SlipstreamClient, name: string, role: PbRole): Promise<string> {
    await admin.users.create({ name, role });
    return (await admin.tokens.create({ name: 'test', user: name })).secret;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipstream-sharing-'));
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    operator = connect(controller.adminToken);
    for (const name of ['acme', 'globex', 'initech']) tokens[name] = (await operator.tenants.create({ name })).adminToken;
    // The local cloud runs VMs on the controller's host: other tenants need an operator-given quota.
    await operator.clouds.setQuota('globex', 'local', 4);
    await operator.clouds.setQuota('globex', WAITING_CLOUD.name, 4);
    acme = connect(tokens.acme!);
    globex = connect(tokens.globex!);
    initech = connect(tokens.initech!);
    acmeViewer = connect(await userOf(acme, 'vic', PbRole.ROLE_VIEWER));
    globexViewer = connect(await userOf(globex, 'gina', PbRole.ROLE_VIEWER));
    tokens.globexDeployer = await userOf(globex, 'dave', PbRole.ROLE_DEPLOYER);
    globexDeployer = connect(tokens.globexDeployer);
    for (const doc of [base, web, shop('first'), shop('second')]) await acme.modules.save(doc);
    await acme.modules.save({ kind: 'project', path: 'shop', description: 'a folder' });
  }, 60_000);

  afterAll(async () => {
    for (const c of [operator, acme, acmeViewer, globex, globexViewer, globexDeployer, initech]) c?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('before anything is published, another tenant finds nothing', async () => {
    expect((await failure(globex.modules.get('@acme/shop/shop'))).code).toBe(status.NOT_FOUND);
    expect((await failure(globex.modules.resolve('@acme/shop/shop@1'))).code).toBe(status.NOT_FOUND);
    expect((await failure(globex.modules.history('@acme/shop/shop'))).code).toBe(status.NOT_FOUND);
    expect((await failure(globexDeployer.runs.launch({ module: '@acme/shop/shop', defaultCloud: WAITING_CLOUD.name }))).code).toBe(status.NOT_FOUND);
    // A tenant that does not exist reads the same as a module that is not published.
    expect((await failure(globex.modules.get('@nosuch/shop/shop'))).code).toBe(status.NOT_FOUND);
    expect(await globex.modules.shared()).toEqual([]);
  });

  it('one version published to one tenant: that tenant reads only it, resolved in the owner’s catalog; a third tenant finds nothing', async () => {
    const [publication] = await acme.modules.publish('shop/shop', { version: 1, tenants: ['globex'] });
    expect(publication).toMatchObject({ path: 'shop/shop', version: 1, tenant: 'globex', publishedBy: 'admin' });

    const read = await globexViewer.modules.get('@acme/shop/shop');
    expect(read.info.version).toBe(1);
    expect(read.latestVersion).toBe(1); // version 2 exists, unpublished: not even its number shows
    expect(read.raw.tenant).toBe('acme');
    expect(read.document.description).toBe('first');
    expect((await globexViewer.modules.get('@acme/shop/shop@1')).info.version).toBe(1);
    expect((await failure(globexViewer.modules.get('@acme/shop/shop@2'))).code).toBe(status.NOT_FOUND);
    expect((await globexViewer.modules.history('@acme/shop/shop')).map((v) => v.version)).toEqual([1]);
    // The components it uses are not published: not readable on their own, yet resolution finds them in acme's catalog.
    expect((await failure(globexViewer.modules.get('@acme/shop/web'))).code).toBe(status.NOT_FOUND);
    const { plan, raw } = await globexViewer.modules.resolve('@acme/shop/shop');
    expect(plan.tenant).toBe('acme');
    expect(plan.module).toEqual({ path: 'shop/shop', version: 1 });
    expect(plan.nodes[0]!.lineage).toEqual([{ path: 'shop/base', version: 1 }, { path: 'shop/web', version: 1 }]);
    expect(raw.nodes[0]!.component).toEqual({ path: 'shop/web', version: 1, tenant: 'acme' });
    // acme's password default stays with acme; other defaults come along.
    const parameters = Object.fromEntries(plan.nodes[0]!.parameters.map((p) => [p.name, p.default]));
    expect(parameters).toEqual({ password: undefined, port: '8080' });
    expect(JSON.stringify(raw)).not.toContain(SECRET);

    expect((await failure(initech.modules.get('@acme/shop/shop@1'))).code).toBe(status.NOT_FOUND);
    expect(await initech.modules.shared()).toEqual([]);
    expect(await globexViewer.modules.shared()).toEqual([
      { tenant: 'acme', path: 'shop/shop', kind: 'application', description: 'first', allVersions: false, versions: [1] },
    ]);
    // Tags resolve in acme's catalog, to published versions only.
    await acme.modules.setTag('shop/shop', 'production', 1);
    await acme.modules.setTag('shop/shop', 'beta', 2);
    expect((await globexViewer.modules.resolve('@acme/shop/shop:production')).plan.module).toEqual({ path: 'shop/shop', version: 1 });
    expect((await failure(globexViewer.modules.get('@acme/shop/shop:beta'))).code).toBe(status.NOT_FOUND);
    expect((await failure(initech.modules.get('@acme/shop/shop:production'))).code).toBe(status.NOT_FOUND);
    // acme itself reads its own module by either name, every version.
    expect((await acme.modules.get('@acme/shop/shop')).info.version).toBe(2);
  });

  it('every version published to every tenant: the latest and all versions read, listed by the owner', async () => {
    await acme.modules.publish('shop/shop');
    expect((await initech.modules.get('@acme/shop/shop')).info.version).toBe(2);
    expect((await initech.modules.history('@acme/shop/shop')).map((v) => v.version)).toEqual([2, 1]);
    expect(await initech.modules.shared()).toEqual([
      { tenant: 'acme', path: 'shop/shop', kind: 'application', description: 'second', allVersions: true, versions: [2, 1] },
    ]);
    // Publishing again renews, it does not double.
    await acme.modules.publish('shop/shop');
    const mine = await acmeViewer.modules.publications();
    expect(mine.map((p) => [p.path, p.version, p.tenant])).toEqual(
      expect.arrayContaining([
        ['shop/shop', 1, 'globex'],
        ['shop/shop', undefined, undefined],
      ]),
    );
    expect(mine).toHaveLength(2);
    // What another tenant shares is not the caller's publication.
    expect(await globex.modules.publications()).toEqual([]);
  });

  it('writes through @TENANT/... are read-only where the caller can see the module, NOT_FOUND where it cannot', async () => {
    const save = await failure(globex.modules.save({ ...shop('taken over'), path: '@acme/shop/shop' }));
    expect(save.code).toBe(status.INVALID_ARGUMENT);
    expect(violations(save)).toEqual([{ field: 'path', description: READ_ONLY }]);
    const del = await failure(globex.modules.delete('@acme/shop/shop'));
    expect(violations(del)).toEqual([{ field: 'path', description: READ_ONLY }]);
    const republish = await failure(globex.modules.publish('@acme/shop/shop', { tenants: ['initech'] }));
    expect(violations(republish)).toEqual([{ field: 'path', description: READ_ONLY }]);
    expect((await failure(globex.modules.unpublish('@acme/shop/shop'))).code).toBe(status.INVALID_ARGUMENT);
    const tag = await failure(globex.modules.setTag('@acme/shop/shop', 'stable', 2));
    expect(violations(tag)).toEqual([{ field: 'path', description: READ_ONLY }]);
    expect(violations(await failure(globex.modules.deleteTag('@acme/shop/shop', 'stable')))).toEqual([{ field: 'path', description: READ_ONLY }]);
    const hidden = [() => globex.modules.delete('@acme/shop/web'), () => globex.modules.publish('@acme/shop/base'), () => globex.modules.delete('@nosuch/x')];
    for (const write of hidden) expect((await failure(write())).code).toBe(status.NOT_FOUND);
    expect((await acme.modules.get('shop/shop')).info.version).toBe(2);
  });

  it('bad input names its field; publishing is for editors and up', async () => {
    const bad = await failure(acme.modules.publish('shop/shop', { version: -1, tenants: ['Bad Name', 'globex', 'globex', 'acme'] }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(fields(bad)).toEqual(['version', 'tenants[0]', 'tenants[2]', 'tenants[3]']);
    expect(fields(await failure(acme.modules.publish('')))).toEqual(['path']);
    expect(fields(await failure(acme.modules.publish('shop')))).toEqual(['path']); // a project
    expect(fields(await failure(acme.modules.publish('shop/shop', { version: 9 })))).toEqual(['version']);
    expect(fields(await failure(acme.modules.unpublish('shop/shop', { tenants: ['-x'] })))).toEqual(['tenants[0]']);
    expect(fields(await failure(acme.modules.publications('/bad')))).toEqual(['path']);
    expect((await failure(acme.modules.publish('shop/nothing'))).code).toBe(status.NOT_FOUND);
    expect((await failure(acme.modules.unpublish('shop/nothing'))).code).toBe(status.NOT_FOUND);
    expect(fields(await failure(globex.modules.get('@Acme/shop/shop')))).toEqual(['ref']);
    expect(fields(await failure(globex.modules.resolve('@acme')))).toEqual(['ref']);
    expect(fields(await failure(globex.modules.get('@acme/shop/shop@x')))).toEqual(['ref']);
    expect(fields(await failure(globexDeployer.runs.launch({ module: '@acme/', defaultCloud: 'local' })))).toEqual(['module']);
    expect((await failure(acmeViewer.modules.publish('shop/shop'))).code).toBe(status.PERMISSION_DENIED);
    expect((await failure(acmeViewer.modules.unpublish('shop/shop'))).code).toBe(status.PERMISSION_DENIED);
    expect((await failure(globexViewer.runs.launch({ module: '@acme/shop/shop', defaultCloud: 'local' }))).code).toBe(status.PERMISSION_DENIED);
  });

  it('a run of a shared module is the launcher’s; unpublishing blocks new launches and leaves it to reach Ready and terminate', async () => {
    const launched = await globexDeployer.runs.launch({ module: '@acme/shop/shop', keepRunning: 'always' });
    expect(launched.module).toEqual({ path: 'shop/shop', version: 2, tenant: 'acme' });
    expect(launched.raw.module?.tenant).toBe('acme');
    const events = await globexDeployer.runs.events(launched.id);
    expect(events.find((e) => e.type === 'launch')?.message).toBe('launched @acme/shop/shop@2 (shared by tenant acme)');
    // The run is globex's: acme does not see it; the owner's secret did not travel with it.
    expect((await failure(acme.runs.get(launched.id))).code).toBe(status.NOT_FOUND);
    expect((await globexDeployer.runs.getParameter(launched.id, 'web.1:password', { reveal: true })).value ?? '').not.toContain(SECRET);

    expect(await acme.modules.unpublish('shop/shop', { tenants: ['globex'] })).toBe(1);
    // Still published to every tenant: globex reads on.
    expect((await globex.modules.get('@acme/shop/shop')).info.version).toBe(2);
    expect(await acme.modules.unpublish('shop/shop')).toBe(1);
    expect(await acme.modules.unpublish('shop/shop')).toBe(0);
    expect((await failure(globex.modules.get('@acme/shop/shop@2'))).code).toBe(status.NOT_FOUND);
    expect((await failure(globexDeployer.runs.launch({ module: '@acme/shop/shop', keepRunning: 'always' }))).code).toBe(status.NOT_FOUND);
    expect(await globex.modules.shared()).toEqual([]);

    await waitFor('the shared run to be Ready', async () => ((await globexDeployer.runs.get(launched.id)).state === 'Ready' ? true : undefined), 90_000);
    await globexDeployer.runs.terminate(launched.id);
    await waitFor('the shared run to be Done', async () => ((await globexDeployer.runs.get(launched.id)).state === 'Done' ? true : undefined), 60_000);
  }, 150_000);

  it('listings page through publications and shared modules in order', async () => {
    await initech.modules.save({ ...base, path: 'tools/base' });
    await initech.modules.publish('tools/base');
    for (const path of ['shop/base', 'shop/web', 'shop/shop']) await acme.modules.publish(path, { tenants: ['globex'] });
    await acme.modules.publish('shop/web', { version: 1 });
    const sharedPages: string[][] = [];
    let token = '';
    do {
      const page = await globex.rpc.unary(globex.modules.raw.listSharedModules.bind(globex.modules.raw), { pageSize: 2, pageToken: token });
      sharedPages.push(page.modules.map((m) => `@${m.tenant}/${m.path}:${m.versions.join(',')}`));
      token = page.nextPageToken;
    } while (token !== '');
    expect(sharedPages).toEqual([['@acme/shop/base:1', '@acme/shop/shop:2,1'], ['@acme/shop/web:1', '@initech/tools/base:1']]);
    const publicationPages: string[][] = [];
    do {
      const page = await acme.rpc.unary(acme.modules.raw.listPublications.bind(acme.modules.raw), { path: '', pageSize: 2, pageToken: token });
      publicationPages.push(page.publications.map((p) => `${p.path}@${p.version}>${p.tenant || '*'}`));
      token = page.nextPageToken;
    } while (token !== '');
    expect(publicationPages.flat().sort()).toEqual(['shop/base@0>globex', 'shop/shop@0>globex', 'shop/web@0>globex', 'shop/web@1>*']);
    expect(publicationPages.map((p) => p.length)).toEqual([2, 2]);
    expect(publicationPages.flat().slice(0, 1)).toEqual(['shop/base@0>globex']);
    for (const path of ['shop/base', 'shop/web', 'shop/shop']) await acme.modules.unpublish(path);
    await initech.modules.unpublish('tools/base');
  });

  it('the CLI publishes, lists, reads, pulls and launches shared modules', async () => {
    const published = await cli(tokens.acme!, ['module', 'publish', 'shop/shop@2', '--to', 'globex']);
    expect(published.code).toBe(0);
    expect(published.err).toContain('published shop/shop@2 to tenant globex, read-only; they use it as @acme/shop/shop');
    const mine = await cli(tokens.acme!, ['module', 'publications', '--output', 'json']);
    expect(JSON.parse(mine.out)).toMatchObject([{ path: 'shop/shop', version: 2, tenant: 'globex' }]);

    const shared = await cli(tokens.globex!, ['module', 'shared']);
    expect(shared.code).toBe(0);
    expect(shared.out).toMatch(/@acme\/shop\/shop\s+application\s+@2\s+second/);
    const got = await cli(tokens.globex!, ['module', 'get', '@acme/shop/shop']);
    expect(got.code).toBe(0);
    expect(got.out).toContain('path: shop/shop');
    const file = join(dir, 'shop.yaml');
    expect((await cli(tokens.globex!, ['module', 'pull', '@acme/shop/shop@2', '-o', file])).code).toBe(0);
    expect(await readFile(file, 'utf8')).toContain('description: second');
    const missing = await cli(tokens.globex!, ['module', 'get', '@acme/shop/shop@1']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('not found');

    const launch = await cli(tokens.globexDeployer!, ['run', 'launch', '@acme/shop/shop', '--default-cloud', WAITING_CLOUD.name, '--output', 'json']);
    expect(launch.err).toBe('');
    expect(launch.code).toBe(0);
    const runId = (JSON.parse(launch.out) as { id: string }).id;
    expect((await globexDeployer.runs.get(runId)).raw.module?.tenant).toBe('acme');
    const shown = await cli(tokens.globexDeployer!, ['run', 'get', runId]);
    expect(shown.out).toMatch(/module\s+@acme\/shop\/shop@2/);
    await globexDeployer.runs.terminate(runId);

    const readOnly = await cli(tokens.globex!, ['module', 'delete', '@acme/shop/shop']);
    expect(readOnly.code).toBe(1);
    expect(readOnly.err).toContain(READ_ONLY);
    const usage = await cli(tokens.acme!, ['module', 'publish', 'shop/shop@two']);
    expect(usage.code).toBe(2);
    const bad = await cli(tokens.acme!, ['module', 'publish', 'shop/shop', '--to', 'Not_A_Tenant']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('tenants[0]');
    const withdrawn = await cli(tokens.acme!, ['module', 'unpublish', 'shop/shop', '--from', 'globex']);
    expect(withdrawn.code).toBe(0);
    expect(withdrawn.err).toContain('withdrew 1 publication of shop/shop; runs already launched from it go on');
    expect((await cli(tokens.globex!, ['module', 'get', '@acme/shop/shop'])).code).toBe(1);
  }, 60_000);
});
