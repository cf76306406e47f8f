/**
 * An `azure` cloud: one VM per instance in the cloud's resource group, each
 * with its own NIC in the configured subnet. Names derive from the
 * idempotency key (`ss-<hash>`, `ss-<hash>-nic`), so a retry, a resumed
 * provision or a restarted controller finds what an earlier attempt made.
 * Images are managed images captured from a VM, which Azure requires to be
 * deallocated and generalized first (it can never start again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Image, VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import type { Logger } from 'pino';
import { ConnectorError, type CloudConnector, type ConnectorCapabilities, type ImageBuilder, type ImagePreparer, type ImageStatus, type VmInfo, type VmSpec } from '../connector.js';
import { KeyedLock } from '../../concurrency/keyed-lock.js';
import type { AzureClients } from './clients.js';
import { isNotFound, toConnectorError } from './errors.js';
import { IMAGE_RULE, parseImage } from './image.js';
import { azureImageName, azureImageStatus, parseManagedImageId, powerAndOsState } from './images.js';
import { AZURE_VM_NAME, MAX_TAG_VALUE, azureVmName, nicName, resourceTags, sameVmTags, vmTagsOf } from './names.js';
import type { CompiledAzureDriverOptions } from './options.js';
import { parseAzureOptions, validateAzureOptions, type AzureSettings } from './settings.js';
import { throwawaySshPublicKey } from './ssh-key.js';
import { isSettling, nicModel, privateIpOf, vmInfoOf, vmModel, type VmPlan } from './vm-model.js';
import { imagePreparationScript } from '../boot/image-preparation.js';

/** Azure's limit on customData: 64 KiB of base64. */
export const MAX_CUSTOM_DATA_CHARS = 87_380;
const MAX_OS_DISK_GB = 4095;

/** What an azure connector is made of. */
export interface AzureConnectorParts {
  settings: AzureSettings;
  options: CompiledAzureDriverOptions;
  /** Makes the SDK clients (on the first call), or why there are none (the tenant's credentials are missing or malformed). */
  clients: (() => Promise<AzureClients>) | ConnectorError;
  log: Logger;
}

/** An `azure` cloud (see the file comment); made by the `azure` driver. */
export class AzureConnector implements CloudConnector, ImageBuilder, ImagePreparer {
  readonly driver = 'azure';
  private readonly settings: AzureSettings;
  private readonly options: CompiledAzureDriverOptions;
  private readonly clients: (() => Promise<AzureClients>) | ConnectorError;
  private clientsLoading: Promise<AzureClients> | undefined;
  private readonly log: Logger;
  /** One operation at a time per VM name (provision and terminate of one VM never interleave). */
  private readonly lock = new KeyedLock();

  constructor(parts: AzureConnectorParts) {
    this.settings = parts.settings;
    this.options = parts.options;
    this.clients = parts.clients;
    this.log = parts.log;
  }

  capabilities(): ConnectorCapabilities {
    return azureCapabilities(this.settings);
  }

  /** The VM's disk holds the agent's state and boot config and cloud-init's user-data: it strips them before it is imaged. */
  imagePreparationScript(): string {
    return imagePreparationScript();
  }

  /**
   * Deallocates and generalizes the VM (Azure captures only generalized VMs;
   * the VM can never start again), then starts a managed image of it in the
   * cloud's resource group and returns its ARM id without waiting: the image
   * is `pending` while Azure creates it. A repeated call for the same VM and
   * name (after a crash) returns the image the first one started.
   */
  async buildImage(vmId: string, name: string): Promise<string> {
    const clients = await this.ready();
    if (name.trim() === '' || name.length > 256) throw new ConnectorError('invalid', 'azure: build image: the name must be 1 to 256 characters');
    if (!AZURE_VM_NAME.test(vmId)) throw new ConnectorError('not_found', `azure: build image: VM ${vmId} does not exist`);
    const imageName = azureImageName(name, vmId);
    return this.lock.run(vmId, () =>
      this.guard(`build image of ${vmId}`, undefined, async () => {
        const vm = await this.findVm(clients, vmId, undefined, true);
        const tags = vm && vmTagsOf(vm.tags);
        if (!vm || !tags) throw new ConnectorError('not_found', `azure: build image: VM ${vmId} does not exist`);
        const imageId = `/subscriptions/${this.settings.subscriptionId}/resourceGroups/${this.settings.resourceGroup}/providers/Microsoft.Compute/images/${imageName}`;
        const earlier = await this.findImage(clients, this.settings.resourceGroup, imageName);
        if (earlier) {
          if (earlier.sourceVirtualMachine?.id?.toLowerCase() !== vm.id?.toLowerCase()) {
            throw new ConnectorError('invalid', `azure: build image: ${imageName} exists already and was captured from another VM`);
          }
          return imageId;
        }
        const { power, generalized } = powerAndOsState(vm);
        if (!generalized) {
          if (power !== 'deallocated') {
            await clients.compute.virtualMachines.deallocate(this.settings.resourceGroup, vmId, { updateIntervalInMs: this.options.pollIntervalMs });
          }
          await clients.compute.virtualMachines.generalize(this.settings.resourceGroup, vmId);
        }
        const creating = clients.compute.images.createOrUpdate(
          this.settings.resourceGroup,
          imageName,
          { location: vm.location ?? this.settings.location, tags: { ...resourceTags(tags), 'slipstream-source-vm': vmId }, sourceVirtualMachine: { id: vm.id! } },
          { updateIntervalInMs: this.options.pollIntervalMs },
        );
        // Sent and accepted, not awaited to the end: imageStatus follows it.
        await creating.submitted();
        this.log.info({ vmId, imageId }, 'azure image creation started');
        return imageId;
      }),
    );
  }

  /** The image's provisioning state: Succeeded is available, Creating pending, Failed (and an image ARM does not know) failed. */
  async imageStatus(imageId: string): Promise<ImageStatus> {
    const clients = await this.ready();
    const ref = parseManagedImageId(imageId);
    if (!ref) return { state: 'failed', message: `azure: ${imageId} is not the id of a managed image` };
    return this.guard(`image status of ${imageId}`, undefined, async () => {
      const image = await this.findImage(clients, ref.resourceGroup, ref.name);
      return image ? azureImageStatus(image, imageId) : { state: 'failed', message: `azure: image ${imageId} does not exist` };
    });
  }

  /** Deletes the managed image and waits for it; one already gone is success. */
  async deleteImage(imageId: string): Promise<void> {
    const clients = await this.ready();
    const ref = parseManagedImageId(imageId);
    if (!ref) return;
    await this.guard(`delete image ${imageId}`, undefined, async () => {
      try {
        await clients.compute.images.delete(ref.resourceGroup, ref.name, { updateIntervalInMs: this.options.pollIntervalMs });
        this.log.info({ imageId }, 'azure image deleted');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    });
  }

  async provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    signal?.throwIfAborted();
    const clients = await this.ready();
    const plan = await this.plan(spec);
    return this.lock.run(plan.vmName, () => this.guard(`provision ${plan.vmName}`, signal, () => this.provisionLocked(clients, plan, signal)));
  }

  async describe(vmId: string): Promise<VmInfo | undefined> {
    const clients = await this.ready();
    if (!AZURE_VM_NAME.test(vmId)) return undefined;
    return this.guard(`describe ${vmId}`, undefined, async () => {
      const vm = await this.findVm(clients, vmId, undefined, true);
      if (!vm || !vmTagsOf(vm.tags)) return undefined;
      return vmInfoOf(vm, privateIpOf(await this.findNic(clients, nicName(vmId), undefined)));
    });
  }

  async terminate(vmId: string): Promise<void> {
    const clients = await this.ready();
    if (!AZURE_VM_NAME.test(vmId)) {
      this.log.warn({ vmId }, 'azure terminate of a vm id this driver never makes: nothing to do');
      return;
    }
    await this.lock.run(vmId, () =>
      this.guard(`terminate ${vmId}`, undefined, async () => {
        const vm = await this.findVm(clients, vmId, undefined);
        if (vm) {
          if (!vmTagsOf(vm.tags)) throw new ConnectorError('invalid', `azure: VM ${vmId} carries no Slipstream tags: left alone`);
          await this.deleteVm(clients, vmId, undefined);
          this.log.info({ vmId }, 'azure vm deleted');
        }
        // Normally deleted with the VM (deleteOption); this covers a create that failed before the VM existed.
        await this.deleteNic(clients, nicName(vmId), undefined);
      }),
    );
  }

  async listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]> {
    const clients = await this.ready();
    return this.guard('list vms', undefined, async () => {
      const tagged: VirtualMachine[] = [];
      for await (const vm of clients.compute.virtualMachines.list(this.settings.resourceGroup)) {
        const tags = vmTagsOf(vm.tags);
        if (tags?.controllerId === filter.controllerId && (filter.runId === undefined || tags.runId === filter.runId)) tagged.push(vm);
      }
      if (tagged.length === 0) return [];
      const ips = new Map<string, string>();
      for await (const nic of clients.network.networkInterfaces.list(this.settings.resourceGroup)) {
        const ip = privateIpOf(nic);
        if (nic.name && ip) ips.set(nic.name, ip);
      }
      return tagged.flatMap((vm) => vmInfoOf(vm, ips.get(nicName(vm.name!))) ?? []);
    });
  }

  /** Waits for operations in flight; VMs keep running, like any cloud's when a controller stops. */
  async close(): Promise<void> {
    await this.lock.idle();
  }

  private async provisionLocked(clients: AzureClients, plan: VmPlan, signal: AbortSignal | undefined): Promise<VmInfo> {
    let existing = await this.findVm(clients, plan.vmName, signal);
    if (existing) {
      this.checkOwner(existing, plan);
      existing = await this.settle(clients, plan.vmName, existing, signal);
      if (existing?.provisioningState?.toLowerCase() === 'succeeded') {
        return vmInfoOf(existing, privateIpOf(await this.findNic(clients, plan.nicName, signal)))!;
      }
      if (existing) {
        // Failed: ARM keeps the husk of a failed create; start again from nothing.
        this.log.warn({ vmId: plan.vmName, provisioningState: existing.provisioningState }, 'azure vm of an earlier attempt is not usable: deleting it');
        await this.deleteVm(clients, plan.vmName, signal);
      }
    }
    const nic = await this.ensureNic(clients, plan, signal);
    try {
      const vm = await clients.compute.virtualMachines.createOrUpdate(this.settings.resourceGroup, plan.vmName, vmModel(plan, nic.id!), {
        abortSignal: signal,
        updateIntervalInMs: this.options.pollIntervalMs,
      });
      this.log.info({ vmId: plan.vmName, instance: plan.tags.instance, runId: plan.tags.runId }, 'azure vm created');
      return vmInfoOf(vm, privateIpOf(nic)) ?? { vmId: plan.vmName, state: 'running', tags: { ...plan.tags } };
    } catch (err) {
      const kind = toConnectorError(err, 'create').kind;
      // A retry cannot help: leave nothing behind. Transient failures keep what exists for the retry to reuse.
      if (!signal?.aborted && (kind === 'invalid' || kind === 'quota' || kind === 'capacity')) await this.cleanUp(clients, plan);
      throw err;
    }
  }

  /** Checks the spec, options and image and decides names, size and boot data; throws `invalid`. */
  private async plan(spec: VmSpec): Promise<VmPlan> {
    const problems = validateAzureOptions(spec.options).map((v) => `${v.field} ${v.description}`);
    if (spec.idempotencyKey === '') problems.push('idempotencyKey must not be empty');
    for (const [name, value] of Object.entries(resourceTags(spec.tags))) {
      if (value.length === 0 || value.length > MAX_TAG_VALUE) problems.push(`tag ${name} must be 1 to ${MAX_TAG_VALUE} characters`);
    }
    const customData = Buffer.from(spec.userData, 'utf8').toString('base64');
    if (customData.length > MAX_CUSTOM_DATA_CHARS) {
      problems.push(`userData is ${customData.length} characters as base64; Azure takes at most ${MAX_CUSTOM_DATA_CHARS}`);
    }
    const image = parseImage(spec.image);
    if (!image) problems.push(`image '${spec.image}' ${IMAGE_RULE}`);
    const options = parseAzureOptions(spec.options);
    const osDiskSizeGB = options.osDiskSizeGB ?? (spec.diskGB === undefined ? undefined : Math.ceil(spec.diskGB));
    if (osDiskSizeGB !== undefined && !(osDiskSizeGB >= 1 && osDiskSizeGB <= MAX_OS_DISK_GB)) {
      problems.push(`diskGB must be from 1 to ${MAX_OS_DISK_GB}`);
    }
    if (problems.length > 0 || !image) throw new ConnectorError('invalid', `azure: ${problems.join('; ')}`);
    const vmName = azureVmName(spec.idempotencyKey);
    return {
      vmName,
      nicName: nicName(vmName),
      tags: { ...spec.tags },
      location: this.settings.location,
      vmSize: options.vmSize ?? this.settings.vmSize,
      subnetId: options.subnetId ?? this.settings.subnetId,
      image,
      osDiskSizeGB,
      adminUsername: this.settings.adminUsername,
      sshPublicKey: this.settings.sshPublicKey ?? (await throwawaySshPublicKey()),
      customData,
    };
  }

  /** Refuses a VM or NIC of this name that was made for another instance (or not by Slipstream). */
  private checkOwner(resource: { tags?: Record<string, string> }, plan: VmPlan): void {
    const tags = vmTagsOf(resource.tags);
    if (!tags || !sameVmTags(tags, plan.tags)) {
      throw new ConnectorError('invalid', `azure: ${plan.vmName} already exists and was not made for instance ${plan.tags.instance} of run ${plan.tags.runId}`);
    }
  }

  /** Waits while an earlier attempt is still creating (or deleting) the VM; undefined once it is gone. */
  private async settle(clients: AzureClients, name: string, vm: VirtualMachine, signal: AbortSignal | undefined): Promise<VirtualMachine | undefined> {
    const deadline = Date.now() + this.options.settleTimeoutMs;
    let current: VirtualMachine | undefined = vm;
    while (current && isSettling(current)) {
      if (Date.now() >= deadline) {
        throw new ConnectorError('transient', `azure: VM ${name} is still ${current.provisioningState} after ${this.options.settleTimeoutMs} ms`);
      }
      await sleep(this.options.settleIntervalMs, undefined, { signal });
      current = await this.findVm(clients, name, signal);
    }
    return current;
  }

  private async ensureNic(clients: AzureClients, plan: VmPlan, signal: AbortSignal | undefined): Promise<NetworkInterface> {
    const existing = await this.findNic(clients, plan.nicName, signal);
    if (existing) {
      this.checkOwner(existing, plan);
      return existing;
    }
    return clients.network.networkInterfaces.beginCreateOrUpdateAndWait(this.settings.resourceGroup, plan.nicName, nicModel(plan), {
      abortSignal: signal,
      updateIntervalInMs: this.options.pollIntervalMs,
    });
  }

  /** Best effort after a create that cannot succeed on retry: the VM (if any) and the NIC go. */
  private async cleanUp(clients: AzureClients, plan: VmPlan): Promise<void> {
    try {
      await this.deleteVm(clients, plan.vmName, undefined);
      await this.deleteNic(clients, plan.nicName, undefined);
    } catch (err) {
      this.log.warn({ vmId: plan.vmName, error: toConnectorError(err, 'clean up').message }, 'azure clean-up after a failed create failed');
    }
  }

  private async findVm(clients: AzureClients, name: string, signal: AbortSignal | undefined, instanceView = false): Promise<VirtualMachine | undefined> {
    try {
      return await clients.compute.virtualMachines.get(this.settings.resourceGroup, name, {
        abortSignal: signal,
        ...(instanceView && { expand: 'instanceView' }),
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async findImage(clients: AzureClients, resourceGroup: string, name: string): Promise<Image | undefined> {
    try {
      return await clients.compute.images.get(resourceGroup, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async findNic(clients: AzureClients, name: string, signal: AbortSignal | undefined): Promise<NetworkInterface | undefined> {
    try {
      return await clients.network.networkInterfaces.get(this.settings.resourceGroup, name, { abortSignal: signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async deleteVm(clients: AzureClients, name: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await clients.compute.virtualMachines.delete(this.settings.resourceGroup, name, { abortSignal: signal, updateIntervalInMs: this.options.pollIntervalMs });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async deleteNic(clients: AzureClients, name: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await clients.network.networkInterfaces.beginDeleteAndWait(this.settings.resourceGroup, name, { abortSignal: signal, updateIntervalInMs: this.options.pollIntervalMs });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** The clients, made on the first call (a failed load is tried again by the next), or the credential problem every call fails with. */
  private ready(): Promise<AzureClients> {
    if (this.clients instanceof ConnectorError) return Promise.reject(this.clients);
    this.clientsLoading ??= this.clients();
    this.clientsLoading.catch(() => (this.clientsLoading = undefined));
    return this.clientsLoading;
  }

  /** Runs `work`, rethrowing the caller's abort as is and every other failure as a ConnectorError. */
  private async guard<T>(action: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw toConnectorError(err, action);
    }
  }
}

/** What a Azure connector with these settings can do (its driver tells it without credentials: capabilitiesOf). */
export function azureCapabilities(settings: AzureSettings): ConnectorCapabilities {
  return { buildImage: true, sshKeys: false, maxParallelProvisioning: settings.maxParallel };
}
