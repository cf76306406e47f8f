/**
 * A `gcp` cloud: VMs are Compute Engine instances in one project and zone,
 * driven through @google-cloud/compute over its REST transport. Instance
 * names derive from the idempotency key, so a retried provision (or one after
 * a controller crash) meets its own VM as `alreadyExists` and adopts it.
 * Images are made from a VM's boot disk while it runs (images.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GlobalOperationsClient, ImagesClient, InstancesClient, ZoneOperationsClient, protos } from '@google-cloud/compute';
import type { AuthClient } from 'google-auth-library';
import type { Logger } from 'pino';
import { ConnectorError, type CloudConnector, type ConnectorCapabilities, type ImageBuilder, type ImagePreparer, type ImageStatus, type VmInfo, type VmSpec, type VmTags } from '../connector.js';
import { isAlreadyExists, isNotFound, operationFailure, toConnectorError } from './errors.js';
import { gcpImageId, gcpImageName, gcpImageStatus, parseGcpImageId } from './images.js';
import { instanceResource, toVmInfo } from './instance.js';
import { isSlipstreamName, labelFilter, readTags } from './naming.js';
import type { CompiledGcpDriverOptions } from './options.js';
import { RESOURCE_NAME, type GcpSettings } from './settings.js';
import { imagePreparationScript } from '../boot/image-preparation.js';
import { abortable } from '../../concurrency/abortable.js';

type Instance = protos.google.cloud.compute.v1.IInstance;
type Operation = protos.google.cloud.compute.v1.IOperation;

/** What a gcp connector is made of. */
export interface GcpConnectorParts {
  settings: GcpSettings;
  options: CompiledGcpDriverOptions;
  /** The client itself, or its making (the default's library loads on first use). */
  authClient: AuthClient | Promise<AuthClient>;
  log: Logger;
}

/** Instances per list page (the API's maximum). */
const PAGE_SIZE = 500;

/** The Compute clients a connector talks through. */
interface ComputeClients {
  instances: InstancesClient;
  operations: ZoneOperationsClient;
  images: ImagesClient;
  globalOperations: GlobalOperationsClient;
}

/** A `gcp` cloud (see the file comment); made by the `gcp` driver. */
export class GcpConnector implements CloudConnector, ImageBuilder, ImagePreparer {
  readonly driver = 'gcp';
  private readonly settings: GcpSettings;
  private readonly options: CompiledGcpDriverOptions;
  private readonly log: Logger;
  private readonly authClient: AuthClient | Promise<AuthClient>;
  private clientsLoading: Promise<ComputeClients> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(parts: GcpConnectorParts) {
    this.settings = parts.settings;
    this.options = parts.options;
    this.log = parts.log;
    this.authClient = parts.authClient;
    // Its failure is reported by the call that awaits it, not as an unhandled rejection now.
    if (this.authClient instanceof Promise) this.authClient.catch(() => undefined);
  }

  capabilities(): ConnectorCapabilities {
    return gcpCapabilities(this.settings);
  }

  /** The VM's disk holds the agent's state and boot config and cloud-init's user-data: it strips them before it is imaged. */
  imagePreparationScript(): string {
    return imagePreparationScript();
  }

  /**
   * Inserts an image of the VM's boot disk and returns its id without
   * waiting: the image is `pending` until GCE has copied the disk. The VM
   * keeps running (forceCreate: GCE refuses a running VM's disk without it):
   * a stopped VM would look lost to the controller's reconciler, and the
   * image build has the agent sync and clear its files first
   * (boot/image-preparation.ts), so the copy is crash-consistent with nothing
   * in flight. A repeated call for the same VM and name returns the image
   * the first one made.
   */
  buildImage(vmId: string, name: string): Promise<string> {
    return this.track(async () => {
      if (name.trim() === '' || name.length > 2048) throw new ConnectorError('invalid', 'gcp: build image: the name must be 1 to 2048 characters');
      const instance = RESOURCE_NAME.test(vmId) ? await this.get(vmId) : undefined;
      if (!instance) throw new ConnectorError('not_found', `gcp: build image: instance ${vmId} does not exist`);
      const disk = instance.disks?.find((d) => d.boot)?.source;
      if (!disk) throw new ConnectorError('invalid', `gcp: build image: instance ${vmId} has no boot disk`);
      const imageName = gcpImageName(name, vmId);
      const imageId = gcpImageId(this.settings.project, imageName);
      const { images } = await this.clients();
      const action = `insert image ${imageName}`;
      try {
        const [lro] = await images.insert({
          project: this.settings.project,
          forceCreate: true,
          imageResource: { name: imageName, description: name, sourceDisk: disk, labels: { ...(instance.labels ?? {}) } },
        });
        const failure = operationFailure(lro.latestResponse as Operation, action);
        if (failure) throw failure;
      } catch (err) {
        if (!isAlreadyExists(err)) throw toConnectorError(err, action);
        await this.adoptImage(imageId, imageName, disk);
      }
      this.log.info({ vmId, imageId }, 'gcp image creation started');
      return imageId;
    });
  }

  /** images.get: READY is available, PENDING pending; FAILED, DELETING and an image GCE does not know are failed. */
  imageStatus(imageId: string): Promise<ImageStatus> {
    return this.track(async () => {
      const ref = parseGcpImageId(imageId);
      if (!ref) return { state: 'failed', message: `gcp: ${imageId} is not an image id (projects/P/global/images/NAME)` };
      try {
        const [image] = await (await this.clients()).images.get({ project: ref.project, image: ref.name });
        return gcpImageStatus(image, imageId);
      } catch (err) {
        if (isNotFound(err)) return { state: 'failed', message: `gcp: image ${imageId} does not exist` };
        throw toConnectorError(err, `get image ${imageId}`);
      }
    });
  }

  /** Deletes the image and waits for the deletion; an image already gone is success. */
  deleteImage(imageId: string): Promise<void> {
    return this.track(async () => {
      const ref = parseGcpImageId(imageId);
      if (!ref) return;
      const action = `delete image ${imageId}`;
      let operation: Operation;
      try {
        const [lro] = await (await this.clients()).images.delete({ project: ref.project, image: ref.name });
        operation = lro.latestResponse as Operation;
      } catch (err) {
        if (isNotFound(err)) return;
        throw toConnectorError(err, action);
      }
      const failure = operationFailure(await this.waitForOperation(operation, action, undefined), action);
      if (failure && failure.kind !== 'not_found') throw failure;
      this.log.info({ imageId }, 'gcp image deleted');
    });
  }

  /**
   * Inserts the instance and waits for its zone operation; on `alreadyExists`
   * returns the instance made earlier for the same key. Aborting after the
   * insert was sent deletes the instance (best effort) before rejecting, so
   * that a cancelled create leaves no VM the controller does not know of.
   */
  provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    return this.track(async () => {
      signal?.throwIfAborted();
      const resource = instanceResource(spec, this.settings);
      const name = resource.name!;
      let sent = false;
      try {
        return await this.createOrAdopt(resource, spec.tags, signal, () => (sent = true));
      } catch (err) {
        if (!signal?.aborted || !sent) throw err;
        await this.discard(name);
        throw signal.reason;
      }
    });
  }

  describe(vmId: string): Promise<VmInfo | undefined> {
    return this.track(async () => {
      if (!RESOURCE_NAME.test(vmId)) return undefined;
      const instance = await this.get(vmId);
      return instance && toVmInfo(instance);
    });
  }

  /** Deletes the instance and waits for the deletion; an instance already gone is success. */
  terminate(vmId: string): Promise<void> {
    return this.track(async () => {
      if (!isSlipstreamName(vmId)) throw new ConnectorError('invalid', `gcp: '${vmId}' is not the name of a Slipstream VM (ss- and 20 hex digits)`);
      if (await this.delete(vmId)) this.log.info({ vmId }, 'gcp vm deleted');
    });
  }

  /** Lists by label server-side (every page), then keeps the VMs whose exact tags match. */
  listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]> {
    return this.track(async () => {
      const request = {
        project: this.settings.project,
        zone: this.settings.zone,
        filter: labelFilter({ controllerId: filter.controllerId, ...(filter.runId !== undefined ? { runId: filter.runId } : {}) }),
        maxResults: PAGE_SIZE,
      };
      const found: VmInfo[] = [];
      try {
        // The iterator fetches page after page on demand; autoPaginate only applies to list() (and warns here).
        for await (const instance of (await this.clients()).instances.listAsync(request, { autoPaginate: false })) {
          const info = toVmInfo(instance);
          if (info.tags.controllerId === filter.controllerId && (filter.runId === undefined || info.tags.runId === filter.runId)) found.push(info);
        }
      } catch (err) {
        throw toConnectorError(err, 'list instances');
      }
      return found;
    });
  }

  /** Waits for the calls in flight, then closes the clients; VMs keep running. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    const clients = await this.clientsLoading?.catch(() => undefined);
    if (clients) await Promise.all([clients.instances.close(), clients.operations.close(), clients.images.close(), clients.globalOperations.close()]);
  }

  /**
   * The Compute clients, made on first use: loading @google-cloud/compute
   * takes seconds, which a controller without GCP clouds should not pay at
   * startup.
   */
  private clients(): Promise<ComputeClients> {
    this.clientsLoading ??= Promise.all([import('@google-cloud/compute'), this.authClient]).then(([compute, authClient]) => {
      const endpoint = this.settings.endpoint;
      // The clients keep and mutate their options object: each gets its own.
      const options = () => ({
        fallback: true,
        authClient,
        ...(endpoint ? { apiEndpoint: endpoint.host, port: endpoint.port, protocol: endpoint.protocol } : {}),
      });
      return {
        instances: new compute.InstancesClient(options()),
        operations: new compute.ZoneOperationsClient(options()),
        images: new compute.ImagesClient(options()),
        globalOperations: new compute.GlobalOperationsClient(options()),
      };
    });
    this.clientsLoading.catch(() => (this.clientsLoading = undefined)); // a failed load is tried again by the next call
    return this.clientsLoading;
  }

  private async createOrAdopt(resource: Instance, tags: VmTags, signal: AbortSignal | undefined, sending: () => void): Promise<VmInfo> {
    const name = resource.name!;
    const action = `insert instance ${name}`;
    let operation: Operation | undefined;
    try {
      sending();
      const [lro] = await (await this.clients()).instances.insert({ project: this.settings.project, zone: this.settings.zone, instanceResource: resource });
      operation = lro.latestResponse as Operation;
    } catch (err) {
      if (!isAlreadyExists(err)) throw toConnectorError(err, action);
    }
    let created = false;
    if (operation) {
      const done = await this.waitForOperation(operation, action, signal);
      const failure = operationFailure(done, action);
      if (failure && !isAlreadyExists(done.error)) throw failure;
      created = !failure;
    }
    signal?.throwIfAborted();
    const instance = await this.settle(name, signal);
    if (!instance) throw new ConnectorError('transient', `gcp: instance ${name} vanished while being created (its creation failed); retry`);
    const found = readTags(instance);
    if (found.controllerId !== tags.controllerId || found.tenant !== tags.tenant || found.runId !== tags.runId || found.instance !== tags.instance) {
      throw new ConnectorError('invalid', `gcp: instance ${name} exists but belongs to run ${found.runId || '?'} instance ${found.instance || '?'} of controller ${found.controllerId || '?'}`);
    }
    const info = toVmInfo(instance);
    this.log.info({ vmId: name, runId: tags.runId, instance: tags.instance, state: info.state }, created ? 'gcp vm created' : 'gcp vm adopted');
    return info;
  }

  /**
   * The instance once it has left PROVISIONING (GCE shows an instance at
   * once, and removes it again when its creation fails), or as it is at the
   * deadline; undefined when it is gone.
   */
  private async settle(name: string, signal: AbortSignal | undefined): Promise<Instance | undefined> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    let pause = 100;
    for (;;) {
      const instance = await this.get(name);
      if (!instance || instance.status !== 'PROVISIONING' || Date.now() >= deadline) return instance;
      await sleep(pause, undefined, { signal });
      pause = Math.min(pause * 2, this.options.maxPollIntervalMs);
    }
  }

  /** The instance, or undefined on 404. */
  private async get(name: string): Promise<Instance | undefined> {
    try {
      const [instance] = await (await this.clients()).instances.get({ project: this.settings.project, zone: this.settings.zone, instance: name });
      return instance;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toConnectorError(err, `get instance ${name}`);
    }
  }

  /** Deletes the instance and waits; false when it was already gone. */
  private async delete(name: string): Promise<boolean> {
    const action = `delete instance ${name}`;
    let operation: Operation;
    try {
      const [lro] = await (await this.clients()).instances.delete({ project: this.settings.project, zone: this.settings.zone, instance: name });
      operation = lro.latestResponse as Operation;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toConnectorError(err, action);
    }
    const failure = operationFailure(await this.waitForOperation(operation, action, undefined), action);
    if (failure?.kind === 'not_found') return false;
    if (failure) throw failure;
    return true;
  }

  /** The image an earlier build made under `imageName`, when it is of the same disk; else `invalid` (the name is taken). */
  private async adoptImage(imageId: string, imageName: string, disk: string): Promise<void> {
    let image;
    try {
      [image] = await (await this.clients()).images.get({ project: this.settings.project, image: imageName });
    } catch (err) {
      throw toConnectorError(err, `get image ${imageName}`);
    }
    const diskPath = (link: string | null | undefined) => /projects\/[^/]+\/zones\/[^/]+\/disks\/[^/]+$/.exec(link ?? '')?.[0];
    if (diskPath(image.sourceDisk) !== diskPath(disk)) throw new ConnectorError('invalid', `gcp: build image: ${imageId} exists already and was made from another disk`);
  }

  /** Deletes a VM whose create was cancelled; failures are logged (listTagged still finds the VM). */
  private async discard(name: string): Promise<void> {
    try {
      await this.delete(name);
      this.log.info({ vmId: name }, 'gcp vm of a cancelled provision deleted');
    } catch (err) {
      const { kind, message } = toConnectorError(err, `delete instance ${name}`);
      this.log.warn({ vmId: name, kind, message }, 'gcp vm of a cancelled provision could not be deleted');
    }
  }

  /**
   * Waits (zoneOperations.wait, which holds up to 2 minutes per call) until
   * the operation is DONE or the deadline passes.
   */
  private async waitForOperation(operation: Operation, action: string, signal: AbortSignal | undefined): Promise<Operation> {
    const deadline = Date.now() + this.options.operationTimeoutMs;
    let current = operation;
    let pause = 100;
    while (current.status !== 'DONE') {
      if (!current.name) throw new ConnectorError('transient', `gcp: ${action}: the API answered an operation without a name`);
      if (Date.now() >= deadline) {
        throw new ConnectorError('transient', `gcp: ${action}: operation ${current.name} not done after ${Math.round(this.options.operationTimeoutMs / 1000)} s`);
      }
      const started = Date.now();
      const request = { project: this.settings.project, zone: this.settings.zone, operation: current.name };
      // Image operations are global: they have no zone.
      const wait = (c: ComputeClients) => (current.zone ? c.operations.wait(request) : c.globalOperations.wait({ project: request.project, operation: request.operation }));
      try {
        [current] = await abortable(this.clients().then(wait), signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw toConnectorError(err, `${action}: wait for operation ${request.operation}`);
      }
      // A server that answers at once while the operation runs must not be polled in a tight loop.
      if (current.status !== 'DONE' && Date.now() - started < 1000) {
        await sleep(pause, undefined, { signal });
        pause = Math.min(pause * 2, this.options.maxPollIntervalMs);
      }
    }
    return current;
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new ConnectorError('invalid', 'gcp: the connector is closed');
    const promise = work();
    this.inflight.add(promise);
    try {
      return await promise;
    } finally {
      this.inflight.delete(promise);
    }
  }
}

/** What a GCE connector with these settings can do (its driver tells it without credentials: capabilitiesOf). */
export function gcpCapabilities(settings: GcpSettings): ConnectorCapabilities {
  return { buildImage: true, sshKeys: false, maxParallelProvisioning: settings.maxParallel };
}
