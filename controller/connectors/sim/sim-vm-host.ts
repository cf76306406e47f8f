/**
 * What the `sim` driver needs of whatever hosts its agents: a SimPool in the
 * controller's own process (benchmarks), or a RemoteSimPool that reaches a
 * pool in another process over loopback (controller replicas in tests).
 */
import type { VmTags } from '../connector.js';
import type { SimVmStart } from './sim-protocol.js';

/** A running sim VM, as a connector lists it. */
export interface SimVm {
  key: string;
  vmId: string;
  tags: VmTags;
}

/** The sim driver's port: an in-process pool answers synchronously where it can, a remote one always asynchronously. */
export interface SimVmHost {
  /** Starts the agent of one sim VM (idempotent per key while it runs). */
  startVm(vm: SimVmStart): Promise<void>;
  /** Stops the agent of one sim VM and forgets the VM (a no-op when it is not running). */
  stopVm(vmId: string): Promise<void>;
  /** The running sim VM with this id. */
  vm(vmId: string): SimVm | undefined | Promise<SimVm | undefined>;
  /** Every running sim VM. */
  list(): SimVm[] | Promise<SimVm[]>;
}
