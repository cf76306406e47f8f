/**
 * Promotion tags through a real controller, the client library and the CLI,
 * on SQLite and on PostgreSQL: editors set, move and remove a module's tags
 * and each move lands in the tag's history; `path:TAG` reads, resolves and
 * launches the version the tag points at (the run pins it); bad input names
 * the field; a deleted module's tags do not resolve; node components and
 * parents may name a tag; concurrent moves of one tag take turns, so the
 * history stays a chain; a launch by tag runs the tagged version on the
 * local driver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
import { application, component } from '../helpers/fixtures.js';

/** A component every test cloud has an image for. */
const base = (path: string, description: string): ModuleDocument =>
  component(path, { description, images: { local: 'debian-12', [WAITING_CLOUD.name]: 'img' } });

async function failure(promise: Promise<unknown>): Promise<SlipstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SlipstreamError);
  return err as SlipstreamError;
}

const fields = (err: SlipstreamError) => (err as InvalidArgumentError).violations.map((v) => v.field);

describe.each(TEST_DATABASES)('module tags on %s', (database) => {
  let controller: TestController;
  let admin: SlipstreamClient;
  let editor: SlipstreamClient;
  let viewer: SlipstreamClient;
  let dir: string;

  const cli = async (argv: string[]) => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: controller.adminToken }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipstream-tags-'));
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    admin = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    for (const [user, role] of [
      ['eddie', PbRole.ROLE_EDITOR],
      ['vera', PbRole.ROLE_VIEWER],
    ] as const) {
      await admin.users.create({ name: user, role });
    }
    editor = createSlipstreamClient({ address: controller.address, token: (await admin.tokens.create({ name: 't', user: 'eddie' })).secret });
    viewer = createSlipstreamClient({ address: controller.address, token: (await admin.tokens.create({ name: 't', user: 'vera' })).secret });
    for (const description of ['one', 'two', 'three']) await admin.modules.save(base('lib/base', description));
  }, 60_000);

  afterAll(async () => {
    for (const c of [admin, editor, viewer]) c?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an editor sets, moves and removes tags; reads show them; every move is in the history', async () => {
    const first = await editor.modules.setTag('lib/base', 'stable', 1, { message: 'first cut' });
    expect(first.previousVersion).toBeUndefined();
    expect(first.tag).toMatchObject({ name: 'stable', version: 1, setBy: 'eddie' });
    expect((await editor.modules.setTag('lib/base', 'stable', 3)).previousVersion).toBe(1);
    // Setting it where it points changes nothing and records nothing.
    expect((await editor.modules.setTag('lib/base', 'stable', 3)).previousVersion).toBe(3);
    await editor.modules.setTag('lib/base', 'beta', 2);

    expect((await viewer.modules.tags('lib/base')).map((t) => [t.name, t.version])).toEqual([
      ['beta', 2],
      ['stable', 3],
    ]);
    const stable = await viewer.modules.get('lib/base:stable');
    expect([stable.info.version, stable.document.description, stable.info.tags]).toEqual([3, 'three', ['stable']]);
    expect((await viewer.modules.history('lib/base')).map((v) => [v.version, v.tags])).toEqual([
      [3, ['stable']],
      [2, ['beta']],
      [1, undefined],
    ]);
    expect((await viewer.modules.resolve('lib/base:beta')).plan.module).toEqual({ path: 'lib/base', version: 2 });

    expect(await editor.modules.deleteTag('lib/base', 'beta', { message: 'not needed' })).toBe(2);
    const history = await viewer.modules.tagHistory('lib/base');
    expect(history.map((c) => [c.tag, c.oldVersion, c.newVersion, c.actor, c.message])).toEqual([
      ['beta', 2, undefined, 'eddie', 'not needed'],
      ['beta', undefined, 2, 'eddie', ''],
      ['stable', 1, 3, 'eddie', ''],
      ['stable', undefined, 1, 'eddie', 'first cut'],
    ]);
    expect((await viewer.modules.tagHistory('lib/base', 'stable')).map((c) => c.newVersion)).toEqual([3, 1]);

    const gone = await failure(viewer.modules.get('lib/base:beta'));
    expect(gone.code).toBe(status.NOT_FOUND);
    expect(gone.message).toContain("tag 'beta'");
    expect((await failure(viewer.modules.resolve('lib/base:beta'))).message).toContain("tag 'beta'");
  });

  it('bad input is INVALID_ARGUMENT naming the field; viewers read but never move tags', async () => {
    const raw = editor.modules.raw;
    const all = await failure(editor.rpc.unary(raw.setModuleTag.bind(raw), { path: 'lib//base', tag: 'Not A Tag', version: 0, message: '' }));
    expect(all.code).toBe(status.INVALID_ARGUMENT);
    expect(fields(all)).toEqual(['path', 'tag', 'version']);
    const unknownVersion = await failure(editor.modules.setTag('lib/base', 'stable', 9));
    expect(fields(unknownVersion)).toEqual(['version']);
    expect(unknownVersion.message).toMatch(/no version 9; its latest is 3/);
    expect(fields(await failure(editor.modules.deleteTag('lib/base', '1st')))).toEqual(['tag']);
    expect(fields(await failure(viewer.modules.tagHistory('lib/base', 'UPPER')))).toEqual(['tag']);
    await editor.modules.setTag('lib/base', 'paged', 1);
    await editor.modules.setTag('lib/base', 'paged', 2);
    const historyPage = (pageSize: number, pageToken: string) =>
      viewer.rpc.unary(viewer.modules.raw.listModuleTagHistory.bind(viewer.modules.raw), { path: 'lib/base', tag: 'paged', pageSize, pageToken });
    const firstPage = await historyPage(1, '');
    expect(firstPage.changes.map((c) => [c.oldVersion, c.newVersion])).toEqual([[1, 2]]);
    const secondPage = await historyPage(1, firstPage.nextPageToken);
    expect([secondPage.changes.map((c) => [c.oldVersion, c.newVersion]), secondPage.nextPageToken]).toEqual([[[0, 1]], '']);
    expect(fields(await failure(historyPage(1, Buffer.from(JSON.stringify({ after: 'lib/base' })).toString('base64url'))))).toEqual(['page_token']);
    expect(fields(await failure(historyPage(-1, '')))).toEqual(['page_size']);
    expect(fields(await failure(viewer.modules.resolve('lib/base:UPPER')))).toEqual(['ref']);
    expect(fields(await failure(viewer.modules.resolve('lib/base@1:stable')))).toEqual(['ref']);

    expect((await failure(editor.modules.setTag('lib/none', 'stable', 1))).code).toBe(status.NOT_FOUND);
    const noTag = await failure(editor.modules.deleteTag('lib/base', 'never'));
    expect([noTag.code, noTag.message]).toEqual([status.NOT_FOUND, "module 'lib/base' has no tag 'never'"]);
    expect((await failure(viewer.modules.setTag('lib/base', 'stable', 1))).code).toBe(status.PERMISSION_DENIED);
    expect((await failure(viewer.modules.deleteTag('lib/base', 'stable'))).code).toBe(status.PERMISSION_DENIED);
  });

  it("a deleted module's tags do not resolve; its history stays readable; a revived module's do again", async () => {
    await admin.modules.save(base('old/mod', 'v1'));
    await admin.modules.save(base('old/mod', 'v2'));
    await admin.modules.setTag('old/mod', 'prod', 1);
    await admin.modules.delete('old/mod');
    expect((await failure(admin.modules.get('old/mod:prod'))).code).toBe(status.NOT_FOUND);
    expect((await failure(admin.modules.resolve('old/mod:prod'))).code).toBe(status.NOT_FOUND);
    expect((await failure(admin.modules.setTag('old/mod', 'prod', 2))).code).toBe(status.NOT_FOUND);
    expect((await admin.modules.get('old/mod@1')).info.version).toBe(1);
    expect((await admin.modules.tagHistory('old/mod')).map((c) => c.newVersion)).toEqual([1]);
    await admin.modules.save(base('old/mod', 'v3'));
    expect((await admin.modules.get('old/mod:prod')).info.version).toBe(1);
  });

  it('node components and parents may name a tag: resolution follows where it points', async () => {
    await admin.modules.setTag('lib/base', 'lts', 3);
    await admin.modules.save(application('apps/follow', 'lib/base:lts'));
    await admin.modules.save(component('lib/child', { parent: 'lib/base:lts', images: {} }));
    const before = await admin.modules.resolve('apps/follow');
    expect(before.plan.nodes.map((n) => n.component)).toEqual([
      { path: 'lib/base', version: 3 },
      { path: 'lib/base', version: 3 },
    ]);
    await admin.modules.setTag('lib/base', 'lts', 1);
    const after = await admin.modules.resolve('apps/follow');
    expect(after.plan.nodes[0]!.component).toEqual({ path: 'lib/base', version: 1 });
    expect((await admin.modules.resolve('lib/child')).plan.nodes[0]!.lineage).toEqual([
      { path: 'lib/base', version: 1 },
      { path: 'lib/child', version: 1 },
    ]);
    const unknown = await failure(admin.modules.save(application('apps/ghost', 'lib/base:nope')));
    expect((unknown as InvalidArgumentError).violations[0]).toMatchObject({ field: 'nodes[0].component', description: "unknown component 'lib/base:nope'" });
  });

  it('concurrent moves of one tag take turns: each history entry starts where the one before ended', async () => {
    const count = 12;
    for (let v = 1; v <= count; v++) await admin.modules.save(base('race/mod', `v${v}`));
    const clients = [admin, editor];
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => clients[i % 2]!.modules.setTag('race/mod', 'live', i + 1, { message: `move ${i + 1}` })),
    );
    const chain = (await admin.modules.tagHistory('race/mod', 'live')).reverse();
    expect(chain).toHaveLength(count);
    expect(chain[0]!.oldVersion).toBeUndefined();
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.oldVersion, `entry ${i}`).toBe(chain[i - 1]!.newVersion);
    expect(new Set(chain.map((c) => c.newVersion))).toEqual(new Set(Array.from({ length: count }, (_, i) => i + 1)));
    // Each call was told where the tag pointed just before its own move.
    expect(new Set(results.map((r) => r.previousVersion))).toEqual(new Set(chain.map((c) => c.oldVersion)));
    expect((await admin.modules.tags('race/mod'))[0]!.version).toBe(chain.at(-1)!.newVersion);
  }, 60_000);

  it('the CLI tags, untags and lists; run launch by tag pins the version and says so in its events', async () => {
    await admin.modules.save(application('shop/app', 'lib/base'));
    await admin.modules.save({ ...(application('shop/app', 'lib/base') as Extract<ModuleDocument, { kind: 'application' }>), description: 'v2' });

    let r = await cli(['module', 'tag', 'shop/app', 'production', '@1', '-m', 'go live']);
    expect([r.code, r.err]).toEqual([0, 'tagged shop/app@1 as shop/app:production (new tag)\n']);
    r = await cli(['module', 'tag', 'shop/app', 'production', '2']);
    expect([r.code, r.err]).toEqual([0, 'tagged shop/app@2 as shop/app:production (was @1)\n']);
    r = await cli(['module', 'tags', 'shop/app']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^TAG\tVERSION\tSET BY\tSET AT\nproduction\t@2\tadmin\t\d{4}-\d\d-\d\dT[^\n]+\n$/);
    r = await cli(['module', 'tags', 'shop/app', '--history', 'production', '--output', 'json']);
    expect((JSON.parse(r.out) as { oldVersion?: number; newVersion?: number; message: string }[]).map((c) => [c.oldVersion, c.newVersion, c.message])).toEqual([
      [1, 2, ''],
      [undefined, 1, 'go live'],
    ]);
    r = await cli(['module', 'tags', 'shop/app', '--history']);
    expect(r.out.split('\n')[0]).toBe('TIME\tTAG\tFROM\tTO\tACTOR\tMESSAGE');
    expect(r.out.split('\n')[2]).toMatch(/\tproduction\t-\t@1\tadmin\tgo live$/);

    r = await cli(['module', 'tag', 'shop/app', 'production', 'seven']);
    expect([r.code, r.err]).toEqual([2, "error: VERSION must be a version number of the module, as @7 or 7 (got 'seven')\n"]);
    r = await cli(['module', 'tag', 'shop/app', 'Prod', '@0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: invalid argument \(2 violations\):\n {2}tag: .*lowercase letter.*\n {2}version: must be a version of the module/);
    r = await cli(['module', 'untag', 'shop/app', 'nope']);
    expect([r.code, r.err]).toEqual([1, "error: module 'shop/app' has no tag 'nope'\n"]);

    r = await cli(['run', 'launch', 'shop/app:production', '--default-cloud', WAITING_CLOUD.name]);
    expect(r.code, r.err).toBe(0);
    const runId = r.out.trim();
    try {
      expect((await admin.runs.get(runId)).module).toEqual({ path: 'shop/app', version: 2 });
      r = await cli(['module', 'tag', 'shop/app', 'production', '@1']);
      expect(r.code).toBe(0);
      // Moving the tag later does not change the run.
      expect((await admin.runs.get(runId)).module).toEqual({ path: 'shop/app', version: 2 });
      const launch = (await admin.runs.events(runId)).find((e) => e.type === 'launch');
      expect(launch?.message).toBe('launched shop/app:production (@2)');
    } finally {
      await admin.runs.terminate(runId).catch(() => undefined);
    }

    r = await cli(['run', 'launch', 'shop/app:canary', '--default-cloud', WAITING_CLOUD.name]);
    expect([r.code, r.err]).toEqual([1, "error: tag 'canary' of module 'shop/app' not found\n"]);
    r = await cli(['module', 'untag', 'shop/app', 'production', '-m', 'retired']);
    expect([r.code, r.err]).toEqual([0, 'removed tag shop/app:production (was @1)\n']);
  }, 60_000);

  it('run launch PATH:TAG --wait runs the tagged version on the local driver to the end', async () => {
    await admin.modules.save(component('t/hello', { recipes: { deployment: 'echo one' } }));
    await admin.modules.save(component('t/hello', { recipes: { deployment: 'echo two' } }));
    await admin.modules.save(component('t/hello', { recipes: { deployment: 'echo three' } }));
    await admin.modules.setTag('t/hello', 'stable', 2);
    const r = await cli(['--output', 'json', 'run', 'launch', 't/hello:stable', '--wait', '--keep-running', 'never']);
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(r.out) as { id: string; state: string; module: { path: string; version: number } };
    expect(run).toMatchObject({ state: 'Done', module: { path: 't/hello', version: 2 } });
    expect(r.err).toContain(`run ${run.id}  t/hello@2  Done`);
    const logs = await cli(['run', 'logs', run.id]);
    expect(logs.out).toMatch(/ machine\.1 deployment: two$/m);
    expect((await admin.runs.events(run.id)).find((e) => e.type === 'launch')?.message).toBe('launched t/hello:stable (@2)');
  }, 120_000);
});
