/**
 * ImageSnapshots on both databases, against the `fake` driver's in-memory
 * images: the snapshot is requested once, its id and time stored; a
 * snapshotter stopped mid-wait (a controller restart) and a new one on the
 * same database resume the wait without imaging the VM again; a stop lets go
 * of a cloud call that never answers; a failed image
 * or a deadline aborts the run with the cloud's message and fails the build;
 * a replica that lost the run stops waiting. On a cloud whose VMs prepare
 * themselves, no snapshot before the agent's `image.prepared`, across a
 * restart too. The reconciler does not call lost a VM its build stopped.
 */
import { tmpdir } from 'node:os';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/poll.js';
import { openTestStore } from '../../test/helpers/store.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { directVmSpec } from '../../test/helpers/vm-spec.js';
import type { CloudConnector, ImageBuilder } from '../connectors/connector.js';
import { createFakeDriver, fakeWorld } from '../connectors/fake/fake-driver.js';
import { ConnectorRegistry } from '../connectors/registry.js';
import type { RunInput } from '../domain/runs/types.js';
import { IMAGE_PREPARED_PARAMETER } from '../../common/images/image-preparation.js';
import type { ResolvedNode } from '../../common/modules/types.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { Store } from '../store/store.js';
import { CloudDirectory } from './cloud-directory.js';
import { ImageSnapshots, imageName, type SnapshotRuns } from './image-snapshots.js';
import { Reconciler } from './reconciler.js';

const PREPARED_KEY = `machine.1:${IMAGE_PREPARED_PARAMETER}`;

const log = pino({ level: 'silent' });
let worlds = 0;

/** What the snapshotter told the run: its inputs and events. */
class RecordingRuns implements SnapshotRuns {
  inputs: RunInput[] = [];
  events: string[] = [];
  owned = true;
  async dispatch(_runId: string, input: RunInput): Promise<unknown> {
    this.inputs.push(input);
    return undefined;
  }
  owns(): boolean {
    return this.owned;
  }
  async recordEvent(_runId: string, entry: Omit<JournalEntry, 'kind'>): Promise<void> {
    this.events.push(entry.text);
  }
}

describe.each(TEST_DATABASES)('image snapshots on %s', (database) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A build run in Ready with its VM made in a fake world whose images stay pending for `pendingPolls` polls. */
  async function setUp(settings: Record<string, string>, timeoutMinutes = 30, options: { preparation?: boolean } = {}) {
    const opened = await openTestStore(database);
    cleanups.push(() => opened.dispose());
    const world = `snap${++worlds}`;
    const clouds = new CloudDirectory(new ConnectorRegistry().register(createFakeDriver()), [{ name: 'lab', driver: 'fake', settings: { world, ...settings } }], opened.store, opened.cipher, {
      dataDir: tmpdir(),
      log,
    });
    cleanups.push(() => clouds.close());
    const { runId, tenantId } = await opened.store.write(async (repos) => {
      const tenant = await repos.tenants.create({ name: 'acme', displayName: 'acme', operator: false });
      const run = await repos.runs.create({
        kind: 'image_build',
        tenantId: tenant.id,
        owner: 'eddie',
        // With a preparation: the build plan's node as imageBuildPlan makes it on a cloud whose VMs prepare themselves.
        plan: {
          module: { path: 'img/web', version: 3 },
          kind: 'component',
          nodes: options.preparation ? [{ name: 'machine', parameters: [], imagePreparation: 'rm -f state.json' } as unknown as ResolvedNode] : [],
        },
        keepRunning: 'never',
        scalable: false,
        timeoutMinutes,
        defaultCloud: 'lab',
        tags: [],
        sshKeys: [],
        requestId: null,
        nodes: [{ name: 'machine', maxProvisioningFailures: 0, nextIndex: 2 }],
        instances: [{ name: 'machine.1', node: 'machine', index: 1, cloud: 'lab' }],
        parameters: options.preparation ? [{ key: PREPARED_KEY, value: null, secret: false, description: '' }] : [],
      });
      repos.builtImages.create({ id: run.id, tenantId: tenant.id, modulePath: 'img/web', moduleVersion: 3, cloud: 'lab', baseImage: 'base', sourceDigest: 'd'.repeat(64), builtBy: 'eddie' });
      await repos.flush();
      return { runId: run.id, tenantId: tenant.id };
    });
    const connector = await clouds.connector('lab', tenantId);
    const vm = await connector.provision(directVmSpec({ controllerId: 'ctl', tenant: tenantId, runId, instance: 'machine.1' }));
    await opened.store.write(async (repos) => {
      await repos.instances.setVmIds(runId, [['machine.1', vm.vmId]]);
      const row = await repos.instances.find(runId, 'machine.1');
      row!.vm = 'running';
      await repos.flush();
    });
    const snapshots = (runs: SnapshotRuns) => new ImageSnapshots({ store: opened.store, clouds, runs, log, pollMs: 20 });
    return { store: opened.store, clouds, runId, world: fakeWorld(world), snapshots, vmId: vm.vmId, connector: connector as CloudConnector & ImageBuilder };
  }

  const build = (store: Store, runId: string) => store.read((repos) => repos.builtImages.byRun(runId));

  it('requests the snapshot once, waits for it, stores it available and tells the run', async () => {
    const { store, runId, world, snapshots, vmId } = await setUp({ imagePendingPolls: '3' });
    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    const [image] = [...world.images.values()];
    expect(world.images.size).toBe(1);
    expect(image).toMatchObject({ sourceVm: vmId, name: imageName('img/web', 3, runId) });
    expect(runs.inputs).toEqual([{ type: 'image-built', imageId: image!.imageId }]);
    expect(runs.events).toEqual([`snapshot of machine.1 (${vmId}) requested: image ${image!.imageId}`]);
    expect(await build(store, runId)).toMatchObject({ state: 'available', imageId: image!.imageId, message: null });
    expect((await build(store, runId))!.builtAt).toBeInstanceOf(Date);
  });

  it('resumes a wait a stopped controller left: no second image, the stored one is awaited', async () => {
    const { store, runId, world, snapshots } = await setUp({ imagePendingPolls: '1000000' });
    const first = snapshots(new RecordingRuns());
    const waiting = first.snapshot(runId);
    const requested = await waitFor('the snapshot to be requested and stored', async () => (await build(store, runId))?.imageId ?? undefined);
    first.stop();
    await waiting;
    expect((await build(store, runId))!.state).toBe('building');

    // The next owner (a restarted controller): the same stored build, the cloud finishes the image meanwhile.
    const runs = new RecordingRuns();
    const resumed = snapshots(runs).snapshot(runId);
    await waitFor('the resumed wait to poll', async () => (world.images.get(requested)!.pendingPolls < 1000000 - 1 ? true : undefined));
    world.images.get(requested)!.pendingPolls = 0;
    await resumed;
    expect(world.images.size).toBe(1);
    expect(runs.events).toEqual([]);
    expect(runs.inputs).toEqual([{ type: 'image-built', imageId: requested }]);
    expect((await build(store, runId))!.state).toBe('available');

    // Told again (the run had not heard of it before a crash): the stored outcome, no cloud call.
    const again = new RecordingRuns();
    const calls = world.calls;
    await snapshots(again).snapshot(runId);
    expect(again.inputs).toEqual([{ type: 'image-built', imageId: requested }]);
    expect(world.calls).toBe(calls);
  });

  /**
   * Makes the fake cloud's `call` never answer, starts a snapshot, stops it while the call is held, and expects the
   * snapshot to settle at once (it waited for good before a stop let go of cloud calls); then the cloud answers again.
   */
  async function stopWhileHeld(setUpDone: Awaited<ReturnType<typeof setUp>>, call: 'buildImage' | 'imageStatus'): Promise<void> {
    const { connector, snapshots, runId } = setUpDone;
    const answering = connector[call];
    let calls = 0;
    Object.assign(connector, { [call]: () => ((calls += 1), new Promise<never>(() => undefined)) });
    const first = snapshots(new RecordingRuns());
    const waiting = first.snapshot(runId);
    await waitFor(`the cloud's ${call} to be called`, async () => (calls > 0 ? true : undefined));
    first.stop();
    const heldFor5s = new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 5_000).unref());
    expect(await Promise.race([waiting.then(() => 'settled' as const), heldFor5s])).toBe('settled');
    Object.assign(connector, { [call]: answering });
  }

  it("a stop lets go of a cloud that never answers the image's status; the next owner's wait goes on", async () => {
    const setUpDone = await setUp({ imagePendingPolls: '0' });
    const { store, runId, world, snapshots } = setUpDone;
    await stopWhileHeld(setUpDone, 'imageStatus');
    const requested = (await build(store, runId))!.imageId!;
    expect((await build(store, runId))!.state).toBe('building');

    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    expect(world.images.size).toBe(1);
    expect(runs.inputs).toEqual([{ type: 'image-built', imageId: requested }]);
  });

  it('a stop lets go of a cloud that never answers the snapshot request; the next owner requests it and nothing is stored meanwhile', async () => {
    const setUpDone = await setUp({ imagePendingPolls: '0' });
    const { store, runId, world, snapshots } = setUpDone;
    await stopWhileHeld(setUpDone, 'buildImage');
    expect(await build(store, runId)).toMatchObject({ state: 'building', imageId: null });

    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    const [image] = [...world.images.values()];
    expect(world.images.size).toBe(1);
    expect(runs.inputs).toEqual([{ type: 'image-built', imageId: image!.imageId }]);
    expect(await build(store, runId)).toMatchObject({ state: 'available', imageId: image!.imageId });
  });

  it('on a cloud whose VMs prepare themselves, requests no snapshot before the agent said so, also across a restart', async () => {
    const { store, runId, world, snapshots, vmId } = await setUp({ imagePreparation: 'true' }, 30, { preparation: true });
    const before = new RecordingRuns();
    const first = snapshots(before);
    const waiting = first.snapshot(runId);
    await waitFor('the wait for the preparation to be announced', async () => (before.events.length > 0 ? true : undefined));
    expect(before.events).toEqual(['waiting for machine.1 to prepare itself to be imaged']);
    // A restart while the agent prepares: nothing was imaged, nothing stored.
    first.stop();
    await waiting;
    expect(world.images.size).toBe(0);
    expect(world.imageCalls).toBe(0);
    expect((await build(store, runId))!.imageId).toBeNull();

    const runs = new RecordingRuns();
    const resumed = snapshots(runs).snapshot(runId);
    await waitFor('the resumed wait to be announced', async () => (runs.events.length > 0 ? true : undefined));
    expect(world.imageCalls).toBe(0);
    // The agent sets its parameter (as its session would): the snapshot follows.
    await store.write((repos) => repos.parameters.updateValues(runId, new Map([[PREPARED_KEY, '2026-12-07T01:00:00.000Z']]), new Date(), new Set()));
    await resumed;
    const [image] = [...world.images.values()];
    expect(image).toMatchObject({ sourceVm: vmId });
    expect(runs.events).toEqual([
      'waiting for machine.1 to prepare itself to be imaged',
      'machine.1 prepared itself to be imaged (2026-12-07T01:00:00.000Z)',
      `snapshot of machine.1 (${vmId}) requested: image ${image!.imageId}`,
    ]);
    expect(runs.inputs).toEqual([{ type: 'image-built', imageId: image!.imageId }]);
  });

  it('aborts a build whose VM did not prepare itself within the run’s timeout from Ready', async () => {
    const { store, runId, world, snapshots } = await setUp({ imagePreparation: 'true' }, 1, { preparation: true });
    await store.write(async (repos) => {
      const run = await repos.runs.findById(runId);
      run!.stateChangedAt = new Date(Date.now() - 61_000);
      await repos.flush();
    });
    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    const message = 'machine.1 did not prepare itself to be imaged within 1 minute(s)';
    expect(runs.inputs).toEqual([{ type: 'abort', message, actor: 'controller' }]);
    expect(await build(store, runId)).toMatchObject({ state: 'failed', message });
    expect(world.imageCalls).toBe(0);
  });

  describe('the reconciler', () => {
    /** A reconciler of controller `ctl` whose instance-lost inputs are recorded. */
    const reconcilerOf = (store: Store, clouds: CloudDirectory) => {
      const inputs: RunInput[] = [];
      const reconciler = new Reconciler(store, clouds, { dispatch: async (_runId, input) => void inputs.push(input) }, 'ctl', log);
      return { reconciler, inputs };
    };

    it('does not call lost a VM its image build stopped (an Azure capture deallocates it)', async () => {
      const { store, clouds, runId, world, snapshots, vmId } = await setUp({ imageStopsVm: 'true', imagePendingPolls: '1000000' });
      const snapshotter = snapshots(new RecordingRuns());
      const waiting = snapshotter.snapshot(runId);
      await waitFor('the snapshot to be requested', async () => (await build(store, runId))?.imageId ?? undefined);
      expect(world.vms.get(vmId)!.state).toBe('stopped');
      const { reconciler, inputs } = reconcilerOf(store, clouds);
      expect((await reconciler.reconcile()).lost).toEqual([]);
      expect(inputs).toEqual([]);
      snapshotter.stop();
      await waiting;
    });

    it('does not call lost a VM stopped while its snapshot is being requested (the run waits in Ready, no image id yet)', async () => {
      const { store, clouds, runId, world, vmId } = await setUp({});
      await store.write(async (repos) => {
        const run = await repos.runs.findById(runId);
        run!.state = 'Ready';
        await repos.flush();
      });
      world.vms.get(vmId)!.state = 'stopped';
      const { reconciler, inputs } = reconcilerOf(store, clouds);
      expect((await reconciler.reconcile()).lost).toEqual([]);
      expect(inputs).toEqual([]);
    });

    it('still calls lost a stopped VM of a build that requested nothing, a failed build’s, and a vanished one', async () => {
      const stopped = await setUp({});
      stopped.world.vms.get(stopped.vmId)!.state = 'stopped';
      const first = reconcilerOf(stopped.store, stopped.clouds);
      expect((await first.reconciler.reconcile()).lost).toEqual([`${stopped.runId}/machine.1`]);
      expect(first.inputs).toMatchObject([{ type: 'instance-lost', instance: 'machine.1' }]);

      const failed = await setUp({ imageStopsVm: 'true' });
      await failed.store.write((repos) => repos.builtImages.snapshotRequested(failed.runId, 'fake-image-x', new Date()));
      await failed.store.write((repos) => repos.builtImages.failed(failed.runId, 'the image failed'));
      failed.world.vms.get(failed.vmId)!.state = 'stopped';
      expect((await reconcilerOf(failed.store, failed.clouds).reconciler.reconcile()).lost).toEqual([`${failed.runId}/machine.1`]);

      const gone = await setUp({});
      await gone.store.write((repos) => repos.builtImages.snapshotRequested(gone.runId, 'fake-image-y', new Date()));
      await gone.world.lose(gone.vmId);
      expect((await reconcilerOf(gone.store, gone.clouds).reconciler.reconcile()).lost).toEqual([`${gone.runId}/machine.1`]);
    });
  });

  it('aborts the run with the cloud’s message when the image fails, and fails the build', async () => {
    const { store, runId, snapshots } = await setUp({ imageOutcome: 'failed', failMessage: 'disk snapshot quota exceeded' });
    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    const imageId = (await build(store, runId))!.imageId;
    const message = `image ${imageId} failed: disk snapshot quota exceeded`;
    expect(runs.inputs).toEqual([{ type: 'abort', message, actor: 'controller' }]);
    expect(runs.events.at(-1)).toBe(`image build failed: ${message}`);
    expect(await build(store, runId)).toMatchObject({ state: 'failed', message });
  });

  it('aborts when the image is not available before the deadline (the run’s timeout from the request)', async () => {
    const { store, runId, snapshots } = await setUp({ imagePendingPolls: '1000000' }, 1);
    const first = snapshots(new RecordingRuns());
    const waiting = first.snapshot(runId);
    const imageId = await waitFor('the snapshot to be requested', async () => (await build(store, runId))?.imageId ?? undefined);
    first.stop();
    await waiting;
    // Requested over a minute ago, before a restart: the deadline passed while no controller waited.
    await store.write((repos) => repos.builtImages.snapshotRequested(runId, imageId, new Date(Date.now() - 61_000)));
    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    const message = `image ${imageId} was not available within 1 minute(s)`;
    expect(runs.inputs).toEqual([{ type: 'abort', message, actor: 'controller' }]);
    expect(await build(store, runId)).toMatchObject({ state: 'failed', message });
  });

  it('aborts with the cloud’s word when the stored image is unknown to it', async () => {
    const { store, runId, snapshots } = await setUp({});
    await store.write((repos) => repos.builtImages.snapshotRequested(runId, 'fake-image-gone', new Date()));
    const runs = new RecordingRuns();
    await snapshots(runs).snapshot(runId);
    expect(runs.inputs).toEqual([{ type: 'abort', message: 'image fake-image-gone failed: fake: image fake-image-gone does not exist', actor: 'controller' }]);
  });

  it('stops waiting on a run this replica no longer drives', async () => {
    const { store, runId, snapshots } = await setUp({ imagePendingPolls: '1000000' });
    const runs = new RecordingRuns();
    const waiting = snapshots(runs).snapshot(runId);
    await waitFor('the snapshot to be requested', async () => (await build(store, runId))?.imageId ?? undefined);
    runs.owned = false;
    await waiting;
    expect(runs.inputs).toEqual([]);
    expect((await build(store, runId))!.state).toBe('building');
  });

  it('stops waiting when the build is terminated mid-snapshot: failed, never available', async () => {
    const { store, runId, world, snapshots } = await setUp({ imagePendingPolls: '1000000' });
    const runs = new RecordingRuns();
    const snapshotter = snapshots(runs);
    const waiting = snapshotter.snapshot(runId);
    const imageId = await waitFor('the snapshot to be requested', async () => (await build(store, runId))?.imageId ?? undefined);
    await snapshotter.finished(runId, { state: 'Cancelled' });
    world.images.get(imageId)!.pendingPolls = 0;
    await waiting;
    expect(runs.inputs).toEqual([]);
    expect(await build(store, runId)).toMatchObject({ state: 'failed', message: 'the build was cancelled', imageId });
  });

  it('fails the build when its run ends otherwise, keeping an available one', async () => {
    const { store, runId, snapshots } = await setUp({});
    await snapshots(new RecordingRuns()).finished(runId, { state: 'Aborted', abortMessage: 'machine.1: preinstall exited 7' });
    expect(await build(store, runId)).toMatchObject({ state: 'failed', message: 'machine.1: preinstall exited 7' });
    // A failed build is never made available after all.
    expect(await store.write((repos) => repos.builtImages.available(runId, new Date()))).toBe(false);
    const other = await setUp({});
    expect(await other.store.write((repos) => repos.builtImages.available(other.runId, new Date()))).toBe(true);
    await other.snapshots(new RecordingRuns()).finished(other.runId, { state: 'Done' });
    expect((await build(other.store, other.runId))!.state).toBe('available');
  });
});

describe('imageName', () => {
  it('is the component, version and build, in characters every cloud takes, at most 63', () => {
    expect(imageName('shop/Web_Server', 12, '0123456789abcdef')).toBe('ss-shop-web-server-v12-01234567');
    const long = imageName(`${'a'.repeat(40)}/${'b'.repeat(40)}`, 1, '89abcdef01234567');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^ss-a+-b+-v1-89abcdef$/);
  });
});
