/**
 * Image builds (ImageService) through a real controller and real agents on
 * the `local` driver, on SQLite and PostgreSQL: a build runs the component's
 * preinstall, packages and postinstall but not its deployment, the controller
 * snapshots the VM (a local image of its work dir) and the run ends Done;
 * then a run of that component version on that cloud boots the built image
 * (what preinstall left in the recipes' home is there) and skips the three
 * recipes (their lines are not in its logs), while a newer version boots the
 * base image and runs them. Errors: an application, an unknown cloud, a cloud
 * whose driver cannot build images, a component without an image for the
 * cloud, a malformed reference; roles (editor builds, viewer lists); other
 * tenants see nothing; DeleteImage forgets the image and deletes it. On a
 * cloud whose VMs prepare themselves (a fake `imagePreparation` in front of
 * `local`), the agent runs the preparation and sets `image.prepared` before
 * the snapshot is requested.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError, type SlipstreamError } from '../../client/errors.js';
import type { ModuleDocument } from '../../common/modules/types.js';
import { ImageState } from '../../proto/gen/slipstream/v1/images.js';
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { application } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/poll.js';

/** A component whose preinstall and postinstall say they ran and leave a file its deployment reads. */
function web(marker: string): Extract<ModuleDocument, { kind: 'component' }> {
  return {
    kind: 'component',
    path: 'img/web',
    images: { local: 'debian-12' },
    resources: {},
    recipes: {
      preinstall: `echo "PREINSTALL-RAN ${marker}"; echo "${marker}" > "$HOME/built-by-preinstall"`,
      postinstall: 'echo POSTINSTALL-RAN',
      deployment: 'echo DEPLOYMENT-RAN; ss-set url "$(cat "$HOME/built-by-preinstall" 2>/dev/null || echo none)"',
    },
    parameters: [
      { name: 'port', category: 'input', type: 'int', default: '8080' },
      { name: 'url', category: 'output', type: 'string' },
    ],
  };
}

describe.each(TEST_DATABASES)('image builds on %s', (database) => {
  let controller: TestController;
  let admin: SlipstreamClient;
  let editor: SlipstreamClient;
  let deployer: SlipstreamClient;
  let viewer: SlipstreamClient;
  let otherTenant: SlipstreamClient;
  let dir: string;
  const tokens: Record<string, string> = {};

  const cli = async (argv: string[], user = 'eddie') => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: tokens[user]! }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  const final = async (client: SlipstreamClient, id: string) =>
    waitFor(`run ${id} to be final`, async () => {
      const run = await client.runs.get(id);
      return run.state === 'Done' || run.state === 'Aborted' || run.state === 'Cancelled' ? run : undefined;
    }, 90_000);
  const logText = async (id: string) => (await admin.runs.logs(id)).lines.map((l) => l.text).join('\n');
  const eventTexts = async (id: string) => (await admin.runs.events(id)).map((e) => `${e.type}: ${e.message}`);
  const userClient = async (name: string, role: PbRole) => {
    await admin.users.create({ name, role });
    tokens[name] = (await admin.tokens.create({ name: 'test', user: name })).secret;
    return createSlipstreamClient({ address: controller.address, token: tokens[name] });
  };

  beforeAll(async () => {
    controller = await startTestController({
      database,
      extraClouds: [
        { name: 'noimg', driver: 'fake', settings: { imageOutcome: 'unsupported' } },
        // Local VMs that prepare themselves before they are imaged, as cloud VMs do.
        { name: 'prep', driver: 'fake', settings: { imagePreparation: 'true' } },
      ],
    });
    admin = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-image-build-'));
    editor = await userClient('eddie', PbRole.ROLE_EDITOR);
    deployer = await userClient('dora', PbRole.ROLE_DEPLOYER);
    viewer = await userClient('vic', PbRole.ROLE_VIEWER);
    otherTenant = createSlipstreamClient({ address: controller.address, token: (await admin.tenants.create({ name: 'globex' })).adminToken });
    await editor.modules.save(web('v1'));
    await editor.modules.save(application('img/app', 'img/web'));
    await editor.modules.save({ kind: 'component', path: 'img/elsewhere', images: { aws: 'ami-12345678' }, resources: {}, recipes: {}, parameters: [] });
  }, 60_000);

  afterAll(async () => {
    for (const c of [admin, editor, deployer, viewer, otherTenant]) c?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds an image: recipes but not deployment, a snapshot, Done; a run of that version boots it and skips the recipes', async () => {
    const started = await editor.images.build({ ref: 'img/web', cloud: 'local' });
    const build = started.image!;
    expect(build).toMatchObject({ component: { path: 'img/web', version: 1 }, cloud: 'local', state: ImageState.IMAGE_STATE_BUILDING, builtBy: 'eddie', baseImage: 'debian-12' });
    const buildRun = await final(editor, build.runId);
    expect(buildRun.state).toBe('Done');
    expect(buildRun.runKind).toBe('image_build');
    expect(buildRun.keepRunning).toBe('never');
    const buildLogs = await logText(build.runId);
    expect(buildLogs).toContain('PREINSTALL-RAN v1');
    expect(buildLogs).toContain('POSTINSTALL-RAN');
    expect(buildLogs).not.toContain('DEPLOYMENT-RAN');
    const buildEvents = await eventTexts(build.runId);
    const imageEvents = buildEvents.filter((e) => e.startsWith('image: '));
    expect(imageEvents[0]).toContain('image build of img/web@1 on cloud local started');
    expect(imageEvents[1]).toMatch(/^image: snapshot of machine\.1 \(.+\) requested: image local-image-[0-9a-f]{16}$/);
    expect(imageEvents[2]).toMatch(/^image: image local-image-[0-9a-f]{16} is available$/);

    const [listed] = (await viewer.images.list({ path: 'img' })).images;
    expect(listed).toMatchObject({ id: build.id, state: ImageState.IMAGE_STATE_AVAILABLE, component: { path: 'img/web', version: 1 }, cloud: 'local' });
    expect(listed!.imageId).toMatch(/^local-image-/);
    expect(listed!.builtAt).toBeInstanceOf(Date);

    // The component launched alone, on the cloud the image was built on: boots it, skips preinstall, packages, postinstall.
    const run = await deployer.runs.launch({ module: 'img/web', keepRunning: 'never' });
    expect(run.nodes[0]!.builtImageId).toBe(listed!.imageId);
    expect(run.runKind).toBe('deployment');
    expect((await final(deployer, run.id)).state).toBe('Done');
    const logs = await logText(run.id);
    expect(logs).toContain('DEPLOYMENT-RAN');
    expect(logs).not.toContain('PREINSTALL-RAN');
    expect(logs).not.toContain('POSTINSTALL-RAN');
    // What preinstall left in the recipes' home came with the image.
    expect((await admin.runs.getParameter(run.id, 'machine:url')).value).toBe('v1');
    expect((await eventTexts(run.id)).join('\n')).toContain(`image: node machine boots image ${listed!.imageId} on cloud local, built from img/web@1`);

    // An application's nodes of that component boot it too.
    const app = await deployer.runs.launch({ module: 'img/app', keepRunning: 'never' });
    expect(app.nodes.map((n) => n.builtImageId)).toEqual([listed!.imageId, listed!.imageId]);
    expect((await final(deployer, app.id)).state).toBe('Done');
    expect(await logText(app.id)).not.toContain('PREINSTALL-RAN');

    // A newer version does not boot the older version's image: its recipes run.
    await editor.modules.save(web('v2'));
    const newer = await deployer.runs.launch({ module: 'img/web', keepRunning: 'never' });
    expect(newer.nodes[0]!.builtImageId).toBeUndefined();
    expect((await final(deployer, newer.id)).state).toBe('Done');
    expect(await logText(newer.id)).toContain('PREINSTALL-RAN v2');
    expect((await admin.runs.getParameter(newer.id, 'machine:url')).value).toBe('v2');
    // The pinned old version still does.
    const pinned = await deployer.runs.launch({ module: 'img/web@1', keepRunning: 'never' });
    expect(pinned.nodes[0]!.builtImageId).toBe(listed!.imageId);
    await final(deployer, pinned.id);

    // Other tenants see none of it.
    expect((await otherTenant.images.list({})).images).toEqual([]);
    await expect(otherTenant.images.delete({ id: build.id })).rejects.toBeInstanceOf(NotFoundError);

    // Deleting forgets it: the next launch of v1 boots the base image again.
    await expect(viewer.images.delete({ id: build.id })).rejects.toBeInstanceOf(PermissionDeniedError);
    await editor.images.delete({ id: build.id });
    expect((await viewer.images.list({})).images.map((i) => i.id)).not.toContain(build.id);
    const after = await deployer.runs.launch({ module: 'img/web@1', keepRunning: 'never' });
    expect(after.nodes[0]!.builtImageId).toBeUndefined();
    await final(deployer, after.id);
  }, 240_000);

  it('on a cloud whose VMs prepare themselves, the agent strips its files and says so before the snapshot; the image boots', async () => {
    await editor.modules.save({ ...web('prep'), path: 'img/prep', images: { prep: 'debian-12' } });
    const build = (await editor.images.build({ ref: 'img/prep', cloud: 'prep' })).image!;
    const buildRun = await final(editor, build.runId);
    expect(buildRun.state).toBe('Done');
    const prepared = (await admin.runs.getParameter(build.runId, 'machine:image.prepared')).value;
    expect(Number.isNaN(Date.parse(prepared))).toBe(false);
    const imageEvents = (await eventTexts(build.runId)).filter((e) => e.startsWith('image: '));
    const preparedAt = imageEvents.indexOf(`image: machine.1 prepared itself to be imaged (${prepared})`);
    const requestedAt = imageEvents.findIndex((e) => e.startsWith('image: snapshot of machine.1'));
    expect(preparedAt).toBeGreaterThan(0);
    expect(requestedAt).toBeGreaterThan(preparedAt);
    // The VM stopped its agent (the local driver sees a stopped VM): not lost, the build went on.
    expect((await eventTexts(build.runId)).join('\n')).not.toContain('instance-lost');

    const run = await deployer.runs.launch({ module: 'img/prep', defaultCloud: 'prep', keepRunning: 'never' });
    expect(run.nodes[0]!.builtImageId).toMatch(/^local-image-/);
    expect((await final(deployer, run.id)).state).toBe('Done');
    expect(await logText(run.id)).not.toContain('PREINSTALL-RAN');
    expect((await admin.runs.getParameter(run.id, 'machine:url')).value).toBe('prep');
  }, 240_000);

  it('refuses what cannot be built, naming the field', async () => {
    const violations = async (request: { ref: string; cloud: string; timeoutMinutes?: number }) => {
      const err = await editor.images.build(request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      return (err as InvalidArgumentError).violations;
    };
    expect(await violations({ ref: 'img/web', cloud: 'nowhere' })).toEqual([{ field: 'cloud', description: expect.stringContaining("unknown cloud 'nowhere'") }]);
    expect(await violations({ ref: 'img/web', cloud: 'noimg' })).toEqual([{ field: 'cloud', description: 'cloud noimg (driver fake) cannot build images' }]);
    expect(await violations({ ref: 'img/elsewhere', cloud: 'local' })).toEqual([
      { field: 'cloud', description: "component img/elsewhere@1 of node 'machine' has no image for cloud 'local'" },
    ]);
    expect((await violations({ ref: 'Not A Ref!', cloud: '' })).map((v) => v.field)).toEqual(['ref', 'cloud']);
    expect((await violations({ ref: 'img/web', cloud: 'local', timeoutMinutes: -1 })).map((v) => v.field)).toEqual(['timeout_minutes']);
    const app = await editor.images.build({ ref: 'img/app', cloud: 'local' }).catch((e: unknown) => e);
    expect(app).toBeInstanceOf(FailedPreconditionError);
    expect((app as Error).message).toContain('images are built from components');
    await expect(editor.images.build({ ref: 'img/missing', cloud: 'local' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(otherTenant.images.build({ ref: 'img/web', cloud: 'local' })).rejects.toBeInstanceOf(NotFoundError);
    const badId = await editor.images.delete({ id: 'not-a-build' }).catch((e: unknown) => e);
    expect((badId as InvalidArgumentError).violations).toEqual([{ field: 'id', description: 'must be an image build id (a UUID)' }]);
    await expect(editor.images.delete({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('editors build images; deployers and viewers may not, viewers list', async () => {
    for (const client of [deployer, viewer]) {
      const err = (await client.images.build({ ref: 'img/web', cloud: 'local' }).catch((e: unknown) => e)) as SlipstreamError;
      expect(err.code).toBe(status.PERMISSION_DENIED);
    }
    await expect(viewer.images.list({})).resolves.toBeDefined();
    const invalid = await viewer.images.list({ path: 'Bad Path' }).catch((e: unknown) => e);
    expect((invalid as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['path']);
  });

  it('slipstream image build --wait prints the image id (exit 0), exits 3 when the build aborts; image list; usage and refusals', async () => {
    await editor.modules.save({ ...web('cli'), path: 'img/cli' });
    await editor.modules.save({ ...web('broken'), path: 'img/broken', recipes: { preinstall: 'echo about to fail; exit 7', deployment: 'echo never' } });

    const built = await cli(['image', 'build', 'img/cli', '--cloud', 'local', '--wait']);
    expect(built.code).toBe(0);
    expect(built.out).toMatch(/^local-image-[0-9a-f]{16}\n$/);
    expect(built.err).toContain('state: Done');
    const listed = await cli(['image', 'list', 'img/cli'], 'vic');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`img/cli@1\tlocal\tavailable\t${built.out.trim()}\teddie`);

    const aborted = await cli(['image', 'build', 'img/broken', '--cloud', 'local', '--wait']);
    expect(aborted.code).toBe(3);
    expect(aborted.out).toBe('');
    expect(aborted.err).toContain('state: Aborted');
    const failed = (await viewer.images.list({ path: 'img/broken' })).images[0]!;
    expect(failed.state).toBe(ImageState.IMAGE_STATE_FAILED);
    expect(failed.message).toContain('preinstall');
    // A failed build is never booted: the component runs its recipes.
    const run = await deployer.runs.launch({ module: 'img/broken', keepRunning: 'never' });
    expect(run.nodes[0]!.builtImageId).toBeUndefined();
    await final(deployer, run.id);

    const started = await cli(['image', 'build', 'img/cli', '--cloud', 'local']);
    expect(started.code).toBe(0);
    expect(started.err).toContain('follow it with: slipstream run watch');
    await final(editor, started.out.trim());
    const getBuild = await cli(['run', 'get', started.out.trim()]);
    expect(getBuild.out).toContain('run kind');
    expect(getBuild.out).toContain('image build');

    const refused = await cli(['image', 'build', 'img/cli', '--cloud', 'noimg']);
    expect(refused).toMatchObject({ code: 1, out: '' });
    expect(refused.err).toContain('cloud: cloud noimg (driver fake) cannot build images');
    expect((await cli(['image', 'build', 'img/cli'])).code).toBe(2);
    expect((await cli(['image', 'build', 'img/cli', '--cloud', 'local'], 'vic')).code).toBe(4);
  }, 240_000);
});
