/**
 * An image build among HA replicas (real processes on one PostgreSQL
 * database, `local` VMs): the run's owner dies (SIGKILL) while the build's
 * preinstall waits; another replica takes the run over through the existing
 * leases, the agent follows, and the new owner alone snapshots the VM (one
 * request, logged by it only) and records the image; the build ends Done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageState } from '../../proto/gen/slipstream/v1/images.js';
import { waitFor } from '../helpers/poll.js';
import { startReplicas, type ReplicaSet } from '../helpers/replicas.js';

/** What ImageSnapshots logs when it asks the cloud for an image. */
const REQUESTED = 'image snapshot requested';

describe.sequential('image build among replicas', () => {
  let set: ReplicaSet;

  beforeAll(async () => {
    set = await startReplicas(2);
    await set.replicas[0]!.client.modules.save({
      kind: 'component',
      path: 'img/ha',
      images: { local: 'debian-12' },
      resources: {},
      recipes: { preinstall: 'ss-display waiting; ss-get --timeout 0 go >/dev/null; echo PREINSTALL-RAN', deployment: 'echo DEPLOYMENT-RAN' },
      parameters: [{ name: 'go', category: 'input', type: 'string' }],
    });
  }, 60_000);

  afterAll(async () => {
    await set?.stop();
  }, 30_000);

  it('the new owner after a SIGKILL alone snapshots the VM and records the image', async () => {
    const build = (await set.replicas[0]!.client.images.build({ ref: 'img/ha', cloud: 'local' })).image!;
    const owner = await waitFor('the build to wait in preinstall', async () => {
      const holder = (await set.holderOf(build.runId)).holder;
      if (!holder) return undefined;
      const replica = set.byId(holder);
      const run = await replica.client.runs.get(build.runId);
      const instance = run.nodes[0]?.instances[0];
      return run.state === 'Executing' && instance?.stateCustom === 'waiting' && instance.agentConnected ? replica : undefined;
    }, 60_000);
    const survivor = set.replicas.find((r) => r !== owner)!;
    owner.proc.child.kill('SIGKILL');
    await owner.proc.exited;
    await waitFor('the survivor to hold the build', async () => ((await set.holderOf(build.runId)).holder === survivor.replicaId ? true : undefined), (set.leaseSeconds + 10) * 1000);
    await waitFor('the agent to reconnect to the survivor', async () => ((await survivor.client.runs.get(build.runId)).nodes[0]?.instances[0]?.agentConnected ? true : undefined), 30_000);
    await survivor.client.runs.setParameter(build.runId, 'machine.1:go', 'now');

    const ended = await waitFor('the build to end', async () => {
      const run = await survivor.client.runs.get(build.runId);
      return run.state === 'Done' || run.state === 'Aborted' || run.state === 'Cancelled' ? run : undefined;
    }, 90_000);
    expect(ended.state).toBe('Done');
    expect((await survivor.client.runs.events(build.runId)).filter((e) => e.type === 'image' && e.message.startsWith('snapshot of'))).toHaveLength(1);
    expect(survivor.proc.stdout()).toContain(REQUESTED);
    expect(owner.proc.stdout()).not.toContain(REQUESTED);
    const [image] = (await survivor.client.images.list({ path: 'img/ha' })).images;
    expect(image).toMatchObject({ id: build.id, state: ImageState.IMAGE_STATE_AVAILABLE });
    expect(image!.imageId).toMatch(/^local-image-/);
  }, 180_000);
});
