/**
 * The versioned catalog through a real controller and the real client, on
 * SQLite and on PostgreSQL: versions, pinned reads after delete, listing,
 * resolution, and server-side validation of bad modules.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, SlipstreamError, type SlipstreamClient } from '../../client/index.js';
import type { ModuleDocument } from '../../common/modules/types.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { application, component } from '../helpers/fixtures.js';

type Doc = ModuleDocument & Record<string, unknown>;

const base = (): Doc => component('lib/base') as Doc;
const app = (): Doc => application('apps/shop', 'lib/base') as Doc;

/** Invalid modules and the exact field path the server must report for each. */
const INVALID: { name: string; doc: () => Doc; field: string; says: RegExp }[] = [
  { name: 'bad path', doc: () => ({ ...base(), path: 'lib//base' }), field: 'path', says: /\// },
  { name: 'path with ..', doc: () => ({ ...base(), path: 'lib/../etc' }), field: 'path', says: /\.\./ },
  { name: 'oversized description', doc: () => ({ ...base(), description: 'x'.repeat(5000) }), field: 'description', says: /4096/ },
  { name: 'unknown parent', doc: () => ({ ...base(), path: 'lib/child', parent: 'lib/nope' }), field: 'parent', says: /unknown|not found/ },
  { name: 'parent is an application', doc: () => ({ ...base(), path: 'lib/child', parent: 'apps/existing' }), field: 'parent', says: /component/ },
  { name: 'parent cycle', doc: () => ({ ...base(), path: 'lib/cycle-a', parent: 'lib/cycle-b' }), field: 'parent', says: /cycle/ },
  { name: 'self parent', doc: () => ({ ...base(), parent: 'lib/base' }), field: 'parent', says: /itself|own/ },
  { name: 'bad image cloud name', doc: () => ({ ...base(), images: { 'Bad_Cloud': 'img' } }), field: 'images.Bad_Cloud', says: /./ },
  { name: 'zero cpu', doc: () => ({ ...base(), resources: { cpu: 0 } }), field: 'resources.cpu', says: /./ },
  { name: 'oversized recipe', doc: () => ({ ...base(), recipes: { deployment: 'x'.repeat(70 * 1024) } }), field: 'recipes.deployment', says: /KiB|bytes/ },
  { name: 'bad package name', doc: () => ({ ...base(), recipes: { packages: ['nginx', 'rm -rf /'] } }), field: 'recipes.packages[1]', says: /./ },
  { name: 'bad parameter name', doc: () => ({ ...base(), parameters: [{ name: 'a:b', category: 'input', type: 'string' }] }), field: 'parameters[0].name', says: /./ },
  { name: 'reserved parameter name', doc: () => ({ ...base(), parameters: [{ name: 'hostname', category: 'output', type: 'string' }] }), field: 'parameters[0].name', says: /built-in|reserved/ },
  { name: 'duplicate parameter', doc: () => ({ ...base(), parameters: [{ name: 'p', category: 'input', type: 'string' }, { name: 'p', category: 'output', type: 'string' }] }), field: 'parameters[1].name', says: /duplicate|unique|twice/ },
  { name: 'int default not an int', doc: () => ({ ...base(), parameters: [{ name: 'n', category: 'input', type: 'int', default: 'abc' }] }), field: 'parameters[0].default', says: /int/ },
  { name: 'boolean default yes', doc: () => ({ ...base(), parameters: [{ name: 'b', category: 'input', type: 'boolean', default: 'yes' }] }), field: 'parameters[0].default', says: /true|false/ },
  { name: 'enum default not in values', doc: () => ({ ...base(), parameters: [{ name: 'e', category: 'input', type: 'enum', values: ['a', 'b'], default: 'c' }] }), field: 'parameters[0].default', says: /one of|values/ },
  { name: 'enum without values', doc: () => ({ ...base(), parameters: [{ name: 'e', category: 'input', type: 'enum' }] }), field: 'parameters[0].values', says: /./ },
  { name: 'values on a string', doc: () => ({ ...base(), parameters: [{ name: 's', category: 'input', type: 'string', values: ['a'] }] }), field: 'parameters[0].values', says: /enum/ },
  { name: 'required output', doc: () => ({ ...base(), parameters: [{ name: 'o', category: 'output', type: 'string', required: true }] }), field: 'parameters[0].required', says: /output/ },
  { name: 'duplicate node names', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[1]!.name = 'db'; return d as Doc; }, field: 'nodes[1].name', says: /duplicate|unique|twice/ },
  { name: 'bad node name', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.name = 'DB_1'; return d as Doc; }, field: 'nodes[0].name', says: /DNS/ },
  { name: 'negative multiplicity', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.multiplicity = -1; return d as Doc; }, field: 'nodes[0].multiplicity', says: /./ },
  { name: 'failures above multiplicity', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.maxProvisioningFailures = 5; return d as Doc; }, field: 'nodes[0].maxProvisioningFailures', says: /multiplicity/ },
  { name: 'unknown component', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.component = 'lib/ghost'; return d as Doc; }, field: 'nodes[0].component', says: /unknown|not found/ },
  { name: 'unknown node in mapping', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[1]!.mappings = { port: 'cache:url' }; return d as Doc; }, field: 'nodes[1].mappings.port', says: /unknown node/ },
  { name: 'unknown output in mapping', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[1]!.mappings = { port: 'db:nothing' }; return d as Doc; }, field: 'nodes[1].mappings.port', says: /unknown output/ },
  { name: 'input mapped from an input', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[1]!.mappings = { port: 'db:port' }; return d as Doc; }, field: 'nodes[1].mappings.port', says: /input/ },
  { name: 'mapping onto an output', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[1]!.mappings = { url: "'x'" }; return d as Doc; }, field: 'nodes[1].mappings.url', says: /output/ },
  { name: 'mapping onto an unknown input', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[1]!.mappings = { nope: "'x'" }; return d as Doc; }, field: 'nodes[1].mappings.nope', says: /./ },
  { name: 'instance beyond multiplicity', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.mappings = { port: 'web.3:url' }; return d as Doc; }, field: 'nodes[0].mappings.port', says: /multiplicity/ },
  { name: 'required input unmapped', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.component = 'lib/needs-input'; return d as Doc; }, field: 'nodes[0].mappings.secret', says: /required/ },
  { name: 'missing image for node cloud', doc: () => { const d = app() as Extract<ModuleDocument, { kind: 'application' }>; d.nodes[0]!.cloud = 'aws-eu'; return d as Doc; }, field: 'nodes[0].cloud', says: /image/ },
  { name: 'no nodes', doc: () => ({ ...app(), nodes: [] }), field: 'nodes', says: /./ },
];

describe.each(TEST_DATABASES)('catalog on %s', (database) => {
  let controller: TestController;
  let client: SlipstreamClient;

  beforeAll(async () => {
    controller = await startTestController({ database });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    await client.modules.save(base());
    await client.modules.save(application('apps/existing', 'lib/base'));
    await client.modules.save(component('lib/cycle-a'));
    await client.modules.save(component('lib/cycle-b', { parent: 'lib/cycle-a' }));
    await client.modules.save(
      component('lib/needs-input', { parameters: [{ name: 'secret', category: 'input', type: 'password', required: true }] }),
    );
  });

  afterAll(async () => {
    client?.close();
    await controller?.stop();
  });

  it('every save with new content is a new immutable version; equal content is not', async () => {
    const v1 = await client.modules.save(component('svc/api'), { message: 'first' });
    const v2 = await client.modules.save(component('svc/api', { description: 'second' }), { message: 'second' });
    const v3 = await client.modules.save(component('svc/api', { description: 'third' }), { message: 'third' });
    const same = await client.modules.save(component('svc/api', { description: 'third' }));
    expect([v1, v2, v3].map((r) => [r.created, r.module.info.version])).toEqual([[true, 1], [true, 2], [true, 3]]);
    expect(same.created).toBe(false);
    expect(same.module.info.version).toBe(3);
    const history = await client.modules.history('svc/api');
    expect(history.map((h) => [h.version, h.message, h.author])).toEqual([
      [3, 'third', 'admin'],
      [2, 'second', 'admin'],
      [1, 'first', 'admin'],
    ]);
    expect((await client.modules.get('svc/api@2')).document.description).toBe('second');
    expect((await client.modules.get('svc/api')).info.version).toBe(3);
  });

  it('optimistic concurrency: a stale expected version is ABORTED', async () => {
    await client.modules.save(component('svc/locked'));
    const err = await client.modules
      .save(component('svc/locked', { description: 'late' }), { expectedLatestVersion: 0 })
      .catch((e: unknown) => e as SlipstreamError);
    expect(err).toBeInstanceOf(SlipstreamError);
    expect((err as SlipstreamError).code).toBe(status.ABORTED);
    const ok = await client.modules.save(component('svc/locked', { description: 'late' }), { expectedLatestVersion: 1 });
    expect(ok.module.info.version).toBe(2);
  });

  it('delete hides a module from listings and latest reads; pinned versions stay readable', async () => {
    await client.modules.save(component('old/thing'));
    await client.modules.save(component('old/thing', { description: 'v2' }));
    await client.modules.delete('old/thing');
    expect((await client.modules.list({ prefix: 'old' })).map((m) => m.path)).toEqual([]);
    await expect(client.modules.get('old/thing')).rejects.toMatchObject({ code: status.NOT_FOUND });
    const pinned = await client.modules.get('old/thing@2');
    expect(pinned.document.description).toBe('v2');
    expect(pinned.deleted).toBe(true);
    await expect(client.modules.resolve('old/thing@2')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(client.modules.delete('old/thing')).rejects.toMatchObject({ code: status.NOT_FOUND });
    const revived = await client.modules.save(component('old/thing', { description: 'v3' }));
    expect(revived.module.info.version).toBe(3);
  });

  it('lists by folder prefix and kind, and pages', async () => {
    for (const name of ['a', 'b', 'c']) await client.modules.save(component(`paging/x_y/${name}`));
    await client.modules.save(component('paging/xzy/d'));
    await client.modules.save({ kind: 'project', path: 'paging', description: 'a folder' });
    const under = await client.modules.list({ prefix: 'paging/x_y' });
    expect(under.map((m) => m.path)).toEqual(['paging/x_y/a', 'paging/x_y/b', 'paging/x_y/c']);
    const projects = await client.modules.list({ prefix: 'paging', kind: 'project' });
    expect(projects.map((m) => m.path)).toEqual(['paging']);
    const listPage = client.modules.raw.listModules.bind(client.modules.raw);
    const page = await client.rpc.unary(listPage, { prefix: 'paging', kind: 0, pageSize: 2, pageToken: '' });
    const rest = await client.rpc.unary(listPage, { prefix: 'paging', kind: 0, pageSize: 10, pageToken: page.nextPageToken });
    expect(rest.modules.map((m) => m.path)).toEqual(['paging/x_y/b', 'paging/x_y/c', 'paging/xzy/d']);
    expect(page.modules.map((m) => m.path)).toEqual(['paging', 'paging/x_y/a']);
  });

  it('resolution pins every reference and applies inheritance parent first', async () => {
    await client.modules.save(
      component('inherit/root', { recipes: { packages: ['curl'], deployment: 'echo root' }, images: { local: 'debian-12', gcp: 'img-root' } }),
    );
    await client.modules.save(
      component('inherit/child', {
        parent: 'inherit/root',
        images: { gcp: 'img-child' },
        recipes: { packages: ['curl', 'nginx'], deployment: 'echo child' },
        parameters: [{ name: 'port', category: 'input', type: 'int', default: '9000' }],
      }),
    );
    await client.modules.save(application('inherit/app', 'inherit/child'));
    const { plan } = await client.modules.resolve('inherit/app');
    expect(plan.module).toEqual({ path: 'inherit/app', version: 1 });
    const web = plan.nodes.find((n) => n.name === 'web')!;
    expect(web.component).toEqual({ path: 'inherit/child', version: 1 });
    expect(web.lineage).toEqual([
      { path: 'inherit/root', version: 1 },
      { path: 'inherit/child', version: 1 },
    ]);
    expect(web.packages).toEqual(['curl', 'nginx']);
    expect(web.recipes.deployment.map((s) => s.script)).toEqual(['echo root', 'echo child']);
    expect(web.images).toEqual({ local: 'debian-12', gcp: 'img-child' });
    expect(web.parameters.find((p) => p.name === 'port')?.default).toBe('9000');
    expect(web.multiplicity).toBe(2);
    await client.modules.save(component('inherit/root', { description: 'root v2' }));
    const again = await client.modules.resolve('inherit/app');
    expect(again.plan.nodes[0]!.lineage[0]).toEqual({ path: 'inherit/root', version: 2 });
    const single = await client.modules.resolve('inherit/child@1');
    expect(single.plan.nodes.map((n) => [n.name, n.multiplicity])).toEqual([['machine', 1]]);
  });

  it.each(INVALID)('rejects $name at its exact field, and writes nothing', async ({ doc, field, says }) => {
    const document = doc();
    const before = await client.modules.history(document.path).catch(() => []);
    const err = await client.modules.save(document).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const violations = (err as InvalidArgumentError).violations;
    const hit = violations.find((v) => v.field === field);
    expect(hit, `violations were ${JSON.stringify(violations)}`).toBeDefined();
    expect(hit!.description).toMatch(says);
    const after = await client.modules.history(document.path).catch(() => []);
    expect(after).toEqual(before);
  });

  it('reports every violation of one module at once', async () => {
    const err = (await client.modules
      .save({
        ...base(),
        path: 'lib/many',
        resources: { cpu: 0 },
        parameters: [
          { name: 'n', category: 'input', type: 'int', default: 'x' },
          { name: 'n', category: 'input', type: 'boolean', default: 'maybe' },
        ],
      } as Doc)
      .catch((e: unknown) => e)) as InvalidArgumentError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.violations.map((v) => v.field)).toEqual(
      expect.arrayContaining(['resources.cpu', 'parameters[0].default', 'parameters[1].name', 'parameters[1].default']),
    );
  });

  it('the server survives every invalid module and keeps serving', async () => {
    expect((await client.users.whoAmI({})).user?.name).toBe('admin');
  });

  it('validates references without saving', async () => {
    await expect(client.modules.validate(application('apps/dry', 'lib/base'))).resolves.toBeUndefined();
    await expect(client.modules.get('apps/dry')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('a kind cannot change between versions', async () => {
    const err = (await client.modules
      .save(application('lib/base', 'lib/cycle-b'))
      .catch((e: unknown) => e)) as InvalidArgumentError;
    expect(err.violations.map((v) => v.field)).toEqual(['kind']);
  });
});
