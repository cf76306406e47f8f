/**
 * An image build survives a controller restart, as runs do: the controller
 * stops while the build's preinstall waits, a new one starts on the same
 * database, data dir and port, the agent reconnects, the build goes on to
 * its snapshot (taken once) and ends Done with its image recorded; a run of
 * the component then boots that image and skips the recipes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { FailedPreconditionError } from '../../client/errors.js';
import { ImageState } from '../../proto/gen/slipstream/v1/images.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';

describe.each(TEST_DATABASES)('an image build across a controller restart on %s', (database) => {
  const controllers: TestController[] = [];
  const clients: SlipstreamClient[] = [];

  afterAll(async () => {
    for (const client of clients) client.close();
    // Newest first: the restarted one stops and kills the VMs; the first (already stopped, its stop is idempotent)
    // drops the database and data dir both used.
    for (const controller of controllers.reverse()) await controller.stop();
  });

  it('goes on after the restart to one snapshot and Done; runs then boot the image', async () => {
    const port = await freePort();
    const first = await startTestController({ database, port });
    controllers.push(first);
    const before = createSlipstreamClient({ address: first.address, token: first.adminToken });
    clients.push(before);
    await before.modules.save({
      kind: 'component',
      path: 'img/slow',
      images: { local: 'debian-12' },
      resources: {},
      recipes: {
        // Waits for the test's go-ahead, given only once the controller was restarted.
        preinstall: 'ss-get --timeout 300 go >/dev/null; echo PREINSTALL-RAN',
        deployment: 'echo DEPLOYMENT-RAN',
      },
      parameters: [{ name: 'go', category: 'input', type: 'string' }],
    });
    const build = (await before.images.build({ ref: 'img/slow', cloud: 'local' })).image!;
    await waitFor('the build to be Executing', async () => ((await before.runs.get(build.runId)).state === 'Executing' ? true : undefined), 60_000);

    await first.stopControllerOnly();
    const second = await startTestController({
      database,
      port,
      reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl, adminToken: first.adminToken },
    });
    controllers.push(second);
    const after = createSlipstreamClient({ address: second.address, token: first.adminToken });
    clients.push(after);
    await waitFor('the agent to reconnect', async () => ((await after.runs.get(build.runId)).nodes[0]?.instances[0]?.agentConnected ? true : undefined), 60_000);
    // A build in progress cannot be deleted.
    const deleting = await after.images.delete({ id: build.id }).catch((e: unknown) => e);
    expect(deleting).toBeInstanceOf(FailedPreconditionError);
    expect((deleting as Error).message).toContain('is in progress');
    await after.runs.setParameter(build.runId, 'machine.1:go', 'now');
    const ended = await waitFor(
      'the build to end',
      async () => {
        const run = await after.runs.get(build.runId);
        return run.state === 'Done' || run.state === 'Aborted' || run.state === 'Cancelled' ? run : undefined;
      },
      90_000,
    );
    expect(ended.state).toBe('Done');
    const snapshots = (await after.runs.events(build.runId)).filter((e) => e.type === 'image' && e.message.startsWith('snapshot of machine.1'));
    expect(snapshots).toHaveLength(1);
    const [image] = (await after.images.list({ path: 'img/slow' })).images;
    expect(image).toMatchObject({ id: build.id, state: ImageState.IMAGE_STATE_AVAILABLE });

    const run = await after.runs.launch({ module: 'img/slow', keepRunning: 'never' });
    expect(run.nodes[0]!.builtImageId).toBe(image!.imageId);
    await waitFor('the run to be Done', async () => ((await after.runs.get(run.id)).state === 'Done' ? true : undefined), 90_000);
    const logs = (await after.runs.logs(run.id)).lines.map((l) => l.text).join('\n');
    expect(logs).toContain('DEPLOYMENT-RAN');
    expect(logs).not.toContain('PREINSTALL-RAN');
  }, 300_000);
});
