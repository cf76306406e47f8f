/**
 * The fake cloud's state, shared per world name by every fake connector in
 * this process and by the tests that inspect it: call counts (which drive the
 * injected failures) and the VMs.
 */
import type { CloudConnector, ImageStatus, VmInfo, VmSpec, VmState } from '../connector.js';

/** One VM of a fake world. */
export interface FakeVm {
  readonly vmId: string;
  readonly idempotencyKey: string;
  /** What the controller asked for (agent config included). */
  readonly spec: VmSpec;
  /** What provision returned. */
  readonly provisioned: VmInfo;
  /** The fake's own view; a delegated VM's real state is its delegate's. */
  state: VmState;
  /** Vanished: describe says undefined and listTagged leaves it out. */
  lost: boolean;
  /** Stopped by an image build (`imageStopsVm`): shown `stopped`, also when a delegate runs it. */
  stoppedByImage?: boolean;
  /** The connector actually running the VM (a `local` one), when the fake delegates. */
  readonly delegate: CloudConnector | undefined;
}

/** One image built in a fake world (without a delegate). */
export interface FakeImage {
  readonly imageId: string;
  readonly name: string;
  readonly sourceVm: string;
  /** What status says once the image is no longer pending. */
  readonly outcome: ImageStatus;
  /** Status calls left that see it `pending`. */
  pendingPolls: number;
}

/** Call counters, VMs and images of one fake world. */
export class FakeWorld {
  readonly name: string;
  /** Every call, any method: what `throttleFirst` counts. */
  calls = 0;
  /** Provision calls, failed ones included: what `failProvision` ordinals count. */
  provisionCalls = 0;
  describeCalls = 0;
  terminateCalls = 0;
  listCalls = 0;
  /** The VMs, by vmId, lost and terminated ones included. */
  readonly vms = new Map<string, FakeVm>();
  imageCalls = 0;
  /** The images built (without a delegate), by id. */
  readonly images = new Map<string, FakeImage>();
  /** @internal Provisions in flight or done, by idempotency key. */
  readonly byKey = new Map<string, Promise<FakeVm>>();
  private sequence = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** @internal A new VM id of this world. */
  nextVmId(): string {
    this.sequence += 1;
    return `fake-${this.name}-${this.sequence}`;
  }

  /** @internal A new image id of this world. */
  nextImageId(): string {
    this.sequence += 1;
    return `fake-image-${this.name}-${this.sequence}`;
  }

  /** The VM made for `instance` (`node.N`) of `runId`, if any (the latest one). */
  vmOf(runId: string, instance: string): FakeVm | undefined {
    return [...this.vms.values()].reverse().find((vm) => vm.spec.tags.runId === runId && vm.spec.tags.instance === instance);
  }

  /**
   * Makes a VM vanish now, as a cloud losing it behind the controller's back:
   * a delegated VM is terminated for real, so its agent goes away too.
   */
  async lose(vmId: string): Promise<void> {
    const vm = this.vms.get(vmId);
    if (!vm || vm.lost) return;
    vm.lost = true;
    await vm.delegate?.terminate(vmId);
  }

  /** Forgets every VM and count (delegated VMs keep running: terminate them first). */
  reset(): void {
    this.calls = this.provisionCalls = this.describeCalls = this.terminateCalls = this.listCalls = this.imageCalls = 0;
    this.vms.clear();
    this.images.clear();
    this.byKey.clear();
    this.sequence = 0;
  }
}

const worlds = new Map<string, FakeWorld>();

/** The world named `name` (made on first use), as the fake connectors with `world: name` see it. */
export function fakeWorld(name = 'default'): FakeWorld {
  let world = worlds.get(name);
  if (!world) {
    world = new FakeWorld(name);
    worlds.set(name, world);
  }
  return world;
}
