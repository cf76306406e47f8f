/**
 * The `sim` driver, for tests and benchmarks: a VM is an agent embedded in
 * one of a SimPool's worker processes, with its own gRPC connection, whose
 * recipes are interpreted rather than run by bash (sim-recipes.ts). It is
 * registered only when the controller is given a pool, in its process or
 * reached over loopback (sim-vm-host.ts). Its images are records only
 * (sim-images.ts).
 */
import { join, resolve } from 'node:path';
import type { FieldViolation } from '../../../common/errors.js';
import {
  ConnectorError,
  type CapabilitiesReporter,
  type CloudConnector,
  type ConnectorCapabilities,
  type ConnectorContext,
  type ConnectorDriver,
  type ImageBuilder,
  type ImageStatus,
  type VmInfo,
  type VmSpec,
  type VmTags,
} from '../connector.js';
import { isSimImageId, SimImageStore } from './sim-images.js';
import type { SimVmHost } from './sim-vm-host.js';

export const SIM_DRIVER_NAME = 'sim';

export interface SimDriverOptions {
  /** A SimPool in this process, or a RemoteSimPool reaching one in another. */
  pool: SimVmHost;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function simVmId(tags: VmTags): string {
  return `sim-${tags.runId}-${tags.instance}`;
}

function info(vm: { vmId: string; tags: VmTags }): VmInfo {
  return { vmId: vm.vmId, state: 'running', ip: '127.0.0.1', hostname: 'localhost', tags: vm.tags };
}

/** What every sim connector can do (it has no settings). */
const SIM_CAPABILITIES: ConnectorCapabilities = Object.freeze({ buildImage: true, sshKeys: false, maxParallelProvisioning: 256 });

class SimConnector implements CloudConnector, ImageBuilder {
  readonly driver = SIM_DRIVER_NAME;
  private readonly images: SimImageStore;

  constructor(
    private readonly pool: SimVmHost,
    private readonly dataDir: string,
  ) {
    this.images = new SimImageStore(dataDir);
  }

  capabilities(): ConnectorCapabilities {
    return SIM_CAPABILITIES;
  }

  async buildImage(vmId: string, name: string): Promise<string> {
    const vm = await this.pool.vm(vmId);
    if (!vm) throw new ConnectorError('not_found', `sim: build image: VM ${vmId} does not exist`);
    if (name.length === 0 || name.length > 128) throw new ConnectorError('invalid', 'sim: build image: the name must be 1 to 128 characters');
    return (await this.images.create({ name, tenant: vm.tags.tenant, sourceVm: vmId })).imageId;
  }

  imageStatus(imageId: string): Promise<ImageStatus> {
    return this.images.status(imageId);
  }

  deleteImage(imageId: string): Promise<void> {
    return this.images.remove(imageId);
  }

  async provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    signal?.throwIfAborted();
    const { runId, instance } = spec.tags;
    if (!SAFE_NAME.test(runId) || !SAFE_NAME.test(instance)) throw new ConnectorError('invalid', `sim: '${runId}/${instance}' cannot name a folder`);
    if (isSimImageId(spec.image) && (await this.images.read(spec.image))?.tenant !== spec.tags.tenant) {
      throw new ConnectorError('not_found', `sim: image ${spec.image} does not exist`);
    }
    const vmId = simVmId(spec.tags);
    // A sim agent dials the controller in plaintext on this machine unless the config carries a CA.
    const config = { ...spec.agentConfig, installPackages: false, installSshKeys: false, hostname: 'localhost', ip: '127.0.0.1', instanceId: vmId };
    await this.pool.startVm({ key: `${runId}/${instance}`, vmId, tags: spec.tags, config, workDir: join(this.dataDir, 'sim-vms', runId, instance) });
    return info({ vmId, tags: spec.tags });
  }

  async describe(vmId: string): Promise<VmInfo | undefined> {
    const vm = await this.pool.vm(vmId);
    return vm && info(vm);
  }

  terminate(vmId: string): Promise<void> {
    return this.pool.stopVm(vmId);
  }

  async listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]> {
    const vms = await this.pool.list();
    return vms.filter((v) => v.tags.controllerId === filter.controllerId && (!filter.runId || v.tags.runId === filter.runId)).map(info);
  }

  close(): Promise<void> {
    // The pool belongs to the embedder: its agents outlive this connector, as VMs would.
    return Promise.resolve();
  }
}

/** Makes the `sim` driver over `options.pool`. */
export function createSimDriver(options: SimDriverOptions): ConnectorDriver & CapabilitiesReporter {
  const noKeys = (kind: 'settings' | 'options') => (values: Record<string, string>): FieldViolation[] =>
    Object.keys(values).map((key) => ({ field: `${kind}.${key}`, description: `is not a${kind === 'options' ? 'n option' : ' setting'} of the sim driver (it has none)` }));
  return {
    name: SIM_DRIVER_NAME,
    capabilitiesOf: () => SIM_CAPABILITIES,
    validateSettings: noKeys('settings'),
    validateOptions: noKeys('options'),
    create(_settings: Record<string, string>, context: ConnectorContext): CloudConnector {
      return new SimConnector(options.pool, resolve(context.dataDir));
    },
  };
}
