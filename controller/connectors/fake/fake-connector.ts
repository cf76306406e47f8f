/**
 * A `fake` cloud: VMs live in a shared in-memory world, or are run by a
 * delegate connector (real agents) while the fake injects failures around it.
 * Images are the delegate's when it builds them, else the world's, with the
 * outcome the settings inject.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildsImages,
  ConnectorError,
  type CloudConnector,
  type ConnectorCapabilities,
  type ImageBuilder,
  type ImagePreparer,
  type ImageStatus,
  type VmInfo,
  type VmSpec,
} from '../connector.js';
import { imagePreparationScript } from '../boot/image-preparation.js';
import type { FakeSettings } from './settings.js';
import type { FakeVm, FakeWorld } from './world.js';

/** What throttled calls ask the caller to wait. */
export const FAKE_RETRY_AFTER_MS = 50;

/** A `fake` cloud (see the file comment); made by the `fake` driver. */
export class FakeConnector implements CloudConnector, ImageBuilder, ImagePreparer {
  readonly driver = 'fake';
  private readonly settings: FakeSettings;
  private readonly world: FakeWorld;
  private readonly delegate: CloudConnector | undefined;

  constructor(settings: FakeSettings, world: FakeWorld, delegate: CloudConnector | undefined) {
    this.settings = settings;
    this.world = world;
    this.delegate = delegate;
  }

  capabilities(): ConnectorCapabilities {
    return fakeCapabilities(this.settings, this.delegate && { ...this.delegate.capabilities(), buildImage: buildsImages(this.delegate) });
  }

  /**
   * With `imagePreparation`: the cloud VMs' script, run in the agent's work
   * dir (`cd .`), its boot config looked for there too, no cloud-init record
   * and no service to disable.
   */
  imagePreparationScript(): string | undefined {
    if (!this.settings.imagePreparation) return undefined;
    return imagePreparationScript({ workDir: '.', agentDir: '.', cloudDir: './.fake-cloud-init', disableAgent: false });
  }

  async buildImage(vmId: string, name: string): Promise<string> {
    this.countImageCall();
    const vm = this.world.vms.get(vmId);
    if (vm?.lost) throw new ConnectorError('not_found', `fake: build image: VM ${vmId} does not exist`);
    const imageId = await this.makeImage(vm, vmId, name);
    if (vm && this.settings.imageStopsVm) {
      vm.state = 'stopped';
      vm.stoppedByImage = true;
    }
    return imageId;
  }

  private async makeImage(vm: FakeVm | undefined, vmId: string, name: string): Promise<string> {
    if (this.delegate) return this.imageDelegate().buildImage(vmId, name);
    if (!vm || vm.state === 'terminated') throw new ConnectorError('not_found', `fake: build image: VM ${vmId} does not exist`);
    const imageId = this.world.nextImageId();
    const outcome: ImageStatus =
      this.settings.imageOutcome === 'failed' ? { state: 'failed', message: this.settings.failMessage ?? `fake: image ${imageId} failed (injected)` } : { state: 'available' };
    this.world.images.set(imageId, { imageId, name, sourceVm: vmId, outcome, pendingPolls: this.settings.imagePendingPolls });
    return imageId;
  }

  async imageStatus(imageId: string): Promise<ImageStatus> {
    this.countImageCall();
    if (this.settings.imageStatusDelayMs > 0) await sleep(this.settings.imageStatusDelayMs);
    if (this.delegate) return this.imageDelegate().imageStatus(imageId);
    const image = this.world.images.get(imageId);
    if (!image) return { state: 'failed', message: `fake: image ${imageId} does not exist` };
    if (image.pendingPolls > 0) {
      image.pendingPolls -= 1;
      return { state: 'pending' };
    }
    return { ...image.outcome };
  }

  async deleteImage(imageId: string): Promise<void> {
    this.countImageCall();
    if (this.delegate) return this.imageDelegate().deleteImage(imageId);
    this.world.images.delete(imageId);
  }

  async provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    this.world.provisionCalls += 1;
    const ordinal = this.world.provisionCalls;
    this.count();
    await sleep(this.settings.provisionDelayMs, undefined, { signal });
    if (this.settings.failProvision.has(ordinal)) {
      throw new ConnectorError(this.settings.failKind, this.settings.failMessage ?? `fake: provision call ${ordinal} failed (injected)`);
    }
    if (this.settings.failEveryNth > 0 && ordinal % this.settings.failEveryNth === 0) {
      const kind = this.settings.failKind;
      throw new ConnectorError(kind, this.settings.failMessage ?? `fake: provision call ${ordinal} failed (injected, every ${this.settings.failEveryNth})`, {
        ...(kind === 'transient' ? { retryAfterMs: FAKE_RETRY_AFTER_MS } : {}),
      });
    }
    const vm = await this.getOrCreate(spec, signal);
    if (this.settings.loseInstance === spec.tags.instance) await this.world.lose(vm.vmId);
    return { ...vm.provisioned, tags: { ...vm.provisioned.tags } };
  }

  async describe(vmId: string): Promise<VmInfo | undefined> {
    this.world.describeCalls += 1;
    this.count();
    const vm = this.world.vms.get(vmId);
    if (vm?.lost) return undefined;
    if (this.delegate) return stoppedByImage(vm, await this.delegate.describe(vmId));
    return vm && info(vm);
  }

  async terminate(vmId: string): Promise<void> {
    this.world.terminateCalls += 1;
    this.count();
    const vm = this.world.vms.get(vmId);
    if (vm?.lost) return;
    await this.delegate?.terminate(vmId);
    if (vm) vm.state = 'terminated';
  }

  async listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]> {
    this.world.listCalls += 1;
    this.count();
    const visible = (vmId: string) => !this.world.vms.get(vmId)?.lost;
    if (this.delegate) return (await this.delegate.listTagged(filter)).filter((vm) => visible(vm.vmId)).map((vm) => stoppedByImage(this.world.vms.get(vm.vmId), vm)!);
    return [...this.world.vms.values()]
      .filter((vm) => !vm.lost && vm.spec.tags.controllerId === filter.controllerId && (filter.runId === undefined || vm.spec.tags.runId === filter.runId))
      .map(info);
  }

  async close(): Promise<void> {
    await this.delegate?.close();
  }

  /** Counts an image call, refused like the real cloud's would be when images are `unsupported`. */
  private countImageCall(): void {
    this.world.imageCalls += 1;
    this.count();
    if (!this.capabilities().buildImage) throw new ConnectorError('invalid', 'fake: this cloud cannot build images');
  }

  private imageDelegate(): ImageBuilder {
    if (!this.delegate || !buildsImages(this.delegate)) throw new ConnectorError('invalid', 'fake: the delegate cannot build images');
    return this.delegate;
  }

  /** Counts a call of any kind, failing it while the world is throttled. */
  private count(): void {
    this.world.calls += 1;
    if (this.world.calls <= this.settings.throttleFirst) {
      throw new ConnectorError('transient', `fake: throttled (call ${this.world.calls} of the first ${this.settings.throttleFirst})`, {
        retryAfterMs: FAKE_RETRY_AFTER_MS,
      });
    }
  }

  /** The VM already made (or being made) for the spec's idempotency key, else a new one. */
  private async getOrCreate(spec: VmSpec, signal: AbortSignal | undefined): Promise<FakeVm> {
    const key = spec.idempotencyKey;
    for (let pending = this.world.byKey.get(key); pending; pending = this.world.byKey.get(key)) {
      try {
        return await pending;
      } catch {
        // That attempt failed and is forgotten: this call tries itself.
        if (this.world.byKey.get(key) === pending) this.world.byKey.delete(key);
      }
    }
    const created = this.create(spec, signal);
    this.world.byKey.set(key, created);
    try {
      return await created;
    } catch (err) {
      if (this.world.byKey.get(key) === created) this.world.byKey.delete(key);
      throw err;
    }
  }

  private async create(spec: VmSpec, signal: AbortSignal | undefined): Promise<FakeVm> {
    const provisioned: VmInfo = this.delegate
      ? await this.delegate.provision(spec, signal)
      : { vmId: this.world.nextVmId(), state: 'running', ip: '127.0.0.1', hostname: 'localhost', tags: { ...spec.tags } };
    const vm: FakeVm = {
      vmId: provisioned.vmId,
      idempotencyKey: spec.idempotencyKey,
      spec,
      provisioned,
      state: provisioned.state,
      lost: false,
      delegate: this.delegate,
    };
    this.world.vms.set(vm.vmId, vm);
    return vm;
  }
}

/** A delegated VM as the delegate sees it, `stopped` when an image build stopped it (and the delegate still runs it). */
function stoppedByImage(vm: FakeVm | undefined, seen: VmInfo | undefined): VmInfo | undefined {
  if (!seen || !vm?.stoppedByImage || seen.state === 'terminated') return seen;
  return { ...seen, state: 'stopped' };
}

function info(vm: FakeVm): VmInfo {
  return { ...vm.provisioned, state: vm.state, tags: { ...vm.provisioned.tags } };
}

/** The in-memory world's own capabilities (no delegate). */
const WORLD_CAPABILITIES: ConnectorCapabilities = Object.freeze({ buildImage: true, sshKeys: false, maxParallelProvisioning: 8 });

/**
 * What a fake cloud can do: its delegate's (or the in-memory world's), images
 * only when the delegate builds them and the settings do not make the cloud
 * `unsupported`. The driver tells it from settings alone (capabilitiesOf).
 */
export function fakeCapabilities(settings: FakeSettings, delegate: ConnectorCapabilities | undefined): ConnectorCapabilities {
  const own = delegate ?? WORLD_CAPABILITIES;
  return { ...own, buildImage: own.buildImage && settings.imageOutcome !== 'unsupported' };
}
