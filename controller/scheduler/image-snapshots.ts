/**
 * The controller's part of an image build (ImageService): once the build's
 * VM has run its recipes and the run waits in Ready, the VM is imaged
 * (ImageBuilder.buildImage), the image polled until the cloud says it is
 * available or failed, the outcome stored on the build and fed to the run
 * (`image-built`, or an abort with the cloud's message); Finalizing then
 * destroys the VM as for any run. Everything it needs to go on is in the
 * database (the build's image id and when the snapshot was requested), so
 * the replica that holds the run's lease next (after a restart or a
 * failover) resumes the wait instead of imaging the VM again. On a cloud
 * whose VMs prepare themselves first (the plan's imagePreparation), the VM
 * is imaged only once its agent set `image.prepared`, also a stored fact.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { buildsImages, ConnectorError, type CloudConnector, type ImageBuilder } from '../connectors/connector.js';
import { withRetries } from '../connectors/retry.js';
import { abortable } from '../concurrency/abortable.js';
import { IMAGE_PREPARED_PARAMETER } from '../../common/images/image-preparation.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { Store } from '../store/store.js';
import type { CloudDirectory } from './cloud-directory.js';
import type { RunInputs } from './run-loop.js';

/** How often the cloud is asked about an image being made. */
export const IMAGE_POLL_MS = 2_000;
/** How long after an unexpected failure (the database unreachable, ...) a snapshot is tried again. */
const RETRY_AFTER_FAILURE_MS = 15_000;

/** What the snapshots need from the run engine, beyond its inputs. */
export interface SnapshotRuns extends RunInputs {
  /** Whether this replica still drives the run: a replica that lost it stops waiting. */
  owns(runId: string): boolean;
  /** Records an event of the run (`image` events). */
  recordEvent(runId: string, entry: Omit<JournalEntry, 'kind'>): Promise<void>;
}

export interface ImageSnapshotsOptions {
  store: Store;
  clouds: CloudDirectory;
  runs: SnapshotRuns;
  log: Logger;
  /** Default IMAGE_POLL_MS. */
  pollMs?: number;
}

/** Why a build cannot go on: the run is aborted with this message. */
class BuildFailure extends Error {}

/** Images image builds' VMs and waits for their images (see the file comment). */
export class ImageSnapshots {
  private readonly inflight = new Map<string, Promise<void>>();
  /** Per run in flight: aborted when its run ends otherwise (terminated) or the process stops. */
  private readonly cancels = new Map<string, AbortController>();
  private readonly stopping = new AbortController();
  private readonly pollMs: number;

  constructor(private readonly options: ImageSnapshotsOptions) {
    this.pollMs = options.pollMs ?? IMAGE_POLL_MS;
  }

  /** Snapshots the build run's VM (once: a second call while one is in flight joins it). */
  snapshot(runId: string): Promise<void> {
    const existing = this.inflight.get(runId);
    if (existing) return existing;
    const cancel = new AbortController();
    this.cancels.set(runId, cancel);
    const task = this.drive(runId, AbortSignal.any([cancel.signal, this.stopping.signal]))
      .catch((err: unknown) => {
        // Not a verdict on the build (that is drive's): the run waits in Ready, so try again while this replica drives it.
        this.options.log.error({ err, runId }, 'image snapshot failed unexpectedly; trying again');
        setTimeout(() => {
          if (!this.stopping.signal.aborted && !cancel.signal.aborted && this.options.runs.owns(runId)) void this.snapshot(runId);
        }, RETRY_AFTER_FAILURE_MS).unref();
      })
      .finally(() => {
        this.inflight.delete(runId);
        this.cancels.delete(runId);
      });
    this.inflight.set(runId, task);
    return task;
  }

  /** The build's run ended: a build that did not make its image is failed, with the run's reason. */
  async finished(runId: string, run: { state: string; abortMessage?: string | undefined }): Promise<void> {
    // A wait in flight (the build was terminated mid-snapshot) ends: its image is never booted.
    this.cancels.get(runId)?.abort();
    const message = run.abortMessage ?? (run.state === 'Cancelled' ? 'the build was cancelled' : `the build ended ${run.state}`);
    await this.options.store.write((repos) => repos.builtImages.failed(runId, message));
  }

  /** Stops waiting and lets go of the cloud calls in flight (the process is stopping): whoever drives the runs next resumes them. */
  stop(): void {
    this.stopping.abort();
  }

  private async drive(runId: string, signal: AbortSignal): Promise<void> {
    const { store, runs, log } = this.options;
    const found = await store.read(async (repos) => {
      const run = await repos.runs.findById(runId);
      return { run, plan: run && repos.runs.plan(run), build: await repos.builtImages.byRun(runId), instances: await repos.instances.ofRun(runId) };
    });
    if (!found.run) return;
    if (!found.build) {
      // Never written apart from its run; should it be missing, the run must not wait in Ready for good.
      log.error({ runId }, 'image build run without its build record');
      await runs.dispatch(runId, { type: 'abort', message: 'the image build record is missing', actor: 'controller' });
      return;
    }
    const { run, build } = found;
    try {
      if (build.state === 'available' && build.imageId) {
        // Stored before the run heard of it (a restart in between): tell the run now.
        await runs.dispatch(runId, { type: 'image-built', imageId: build.imageId });
        return;
      }
      if (build.state === 'failed') throw new BuildFailure(build.message ?? 'the image failed');
      const connector = await this.connectorOf(build.cloud, run.tenant);
      let imageId = build.imageId;
      let requestedAt = build.snapshotAt ?? new Date();
      if (!imageId) {
        const vm = found.instances.find((i) => i.vmId && i.vm === 'running');
        if (!vm?.vmId) throw new BuildFailure('the build has no running VM to image');
        // The VM strips the agent's identity off its disk first (its plan said so): image it only once it did.
        if (found.plan?.nodes.find((n) => n.name === vm.node)?.imagePreparation !== undefined) {
          const deadline = run.stateChangedAt.getTime() + run.timeoutMinutes * 60_000;
          if (!(await this.waitPrepared(runId, vm.name, deadline, run.timeoutMinutes, signal))) return;
        }
        const name = imageName(build.modulePath, build.moduleVersion, runId);
        // abortable: a stop lets go of a cloud that does not answer; the next owner's request finds the image by its name.
        imageId = await withRetries(() => abortable(connector.buildImage(vm.vmId!, name), signal), { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000, signal });
        requestedAt = new Date();
        const requested = imageId;
        await store.write((repos) => repos.builtImages.snapshotRequested(runId, requested, requestedAt));
        await runs.recordEvent(runId, { type: 'image', actor: 'controller', text: `snapshot of ${vm.name} (${vm.vmId}) requested: image ${imageId}` });
        log.info({ runId, imageId, vmId: vm.vmId }, 'image snapshot requested');
      }
      await this.waitAvailable(runId, connector, imageId, requestedAt.getTime() + run.timeoutMinutes * 60_000, run.timeoutMinutes, signal);
    } catch (err) {
      if (signal.aborted) return;
      const message =
        err instanceof BuildFailure ? err.message : err instanceof ConnectorError ? `${err.kind}: ${err.message}` : 'internal error while imaging the VM';
      if (!(err instanceof BuildFailure) && !(err instanceof ConnectorError)) log.error({ err, runId }, 'image snapshot failed');
      await this.fail(runId, message);
    }
  }

  /**
   * Waits until the build's agent set its `image.prepared` parameter (it ran
   * the image preparation script, after its reports). The parameter is in the
   * database, so a controller that restarts meanwhile waits on (or finds it
   * set), for the run's timeout from when it entered Ready. False when the
   * wait stopped (this replica no longer drives the run, or it is stopping).
   */
  private async waitPrepared(runId: string, instance: string, deadline: number, minutes: number, signal: AbortSignal): Promise<boolean> {
    const { store, runs } = this.options;
    const key = `${instance}:${IMAGE_PREPARED_PARAMETER}`;
    let announced = false;
    for (;;) {
      if (signal.aborted || !runs.owns(runId)) return false;
      const prepared = await store.read((repos) => repos.parameters.get(runId, key));
      if (prepared?.value) {
        await runs.recordEvent(runId, { type: 'image', actor: 'controller', text: `${instance} prepared itself to be imaged (${prepared.value})` });
        return true;
      }
      if (Date.now() >= deadline) throw new BuildFailure(`${instance} did not prepare itself to be imaged within ${minutes} minute(s)`);
      if (!announced) {
        announced = true;
        await runs.recordEvent(runId, { type: 'image', actor: 'controller', text: `waiting for ${instance} to prepare itself to be imaged` });
      }
      try {
        await sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())), undefined, { signal });
      } catch {
        return false;
      }
    }
  }

  /** Polls the image until it is available (then the run is told) or failed, or the deadline passes. */
  private async waitAvailable(
    runId: string,
    connector: CloudConnector & ImageBuilder,
    imageId: string,
    deadline: number,
    minutes: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { store, runs, log } = this.options;
    for (;;) {
      if (signal.aborted || !runs.owns(runId)) return;
      let status;
      try {
        status = await abortable(connector.imageStatus(imageId), signal);
      } catch (err) {
        // A cloud that could not be asked now may answer at the next poll; anything else is final.
        if (!(err instanceof ConnectorError) || !err.retryable) throw err;
        log.warn({ runId, imageId, kind: err.kind, message: err.message }, 'asking the cloud about the image failed; asking again');
      }
      if (status?.state === 'available') {
        // Not when the run ended meanwhile (terminated): that build failed, its image is not booted.
        if (!(await store.write((repos) => repos.builtImages.available(runId, new Date())))) return;
        log.info({ runId, imageId }, 'image available');
        await runs.dispatch(runId, { type: 'image-built', imageId });
        return;
      }
      if (status?.state === 'failed') throw new BuildFailure(`image ${imageId} failed: ${status.message ?? 'the cloud gave no reason'}`);
      if (Date.now() >= deadline) throw new BuildFailure(`image ${imageId} was not available within ${minutes} minute(s)`);
      try {
        await sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())), undefined, { signal });
      } catch {
        return;
      }
    }
  }

  private async connectorOf(cloud: string, tenant: string): Promise<CloudConnector & ImageBuilder> {
    let connector: CloudConnector;
    try {
      connector = await this.options.clouds.connector(cloud, tenant);
    } catch (err) {
      throw new BuildFailure(`cloud ${cloud}: ${(err as Error).message}`);
    }
    if (!buildsImages(connector)) throw new BuildFailure(cannotBuildImages(cloud, connector.driver));
    return connector;
  }

  /** Stores the failure, says so in the run's events and aborts the run (which destroys the VM). */
  private async fail(runId: string, message: string): Promise<void> {
    const { store, runs, log } = this.options;
    log.warn({ runId, message }, 'image build failed');
    await store.write((repos) => repos.builtImages.failed(runId, message));
    await runs.recordEvent(runId, { type: 'image', actor: 'controller', text: `image build failed: ${message}` });
    await runs.dispatch(runId, { type: 'abort', message, actor: 'controller' });
  }
}

/** The refusal for a cloud whose driver cannot build images (BuildImage says the same). */
export function cannotBuildImages(cloud: string, driver: string): string {
  return `cloud ${cloud} (driver ${driver}) cannot build images`;
}

/**
 * The image's name on the cloud: the component and version, and the build's
 * id for uniqueness, in the characters every cloud's image names accept
 * (letters, digits, '-'), at most 63.
 */
export function imageName(path: string, version: number, buildId: string): string {
  const component = path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const suffix = `-v${version}-${buildId.slice(0, 8)}`;
  return `ss-${component}`.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
}
