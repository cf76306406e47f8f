/**
 * What this driver sends to ARM and how it reads the answers: the NIC and VM
 * models of one provision, and VmInfo from a VirtualMachine.
 */
import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import type { VmInfo, VmState, VmTags } from '../connector.js';
import type { AzureImageReference } from './image.js';
import { osDiskName, resourceTags, vmTagsOf } from './names.js';

/** Everything one provision decided, before any call. */
export interface VmPlan {
  vmName: string;
  nicName: string;
  tags: VmTags;
  location: string;
  vmSize: string;
  subnetId: string;
  image: AzureImageReference;
  osDiskSizeGB: number | undefined;
  adminUsername: string;
  sshPublicKey: string;
  /** base64 of the VM's user-data (ARM `customData`). */
  customData: string;
}

/** The NIC of a plan: one dynamic private address in the subnet. */
export function nicModel(plan: VmPlan): NetworkInterface {
  return {
    location: plan.location,
    tags: resourceTags(plan.tags),
    ipConfigurations: [{ name: 'ipconfig1', primary: true, privateIPAllocationMethod: 'Dynamic', subnet: { id: plan.subnetId } }],
  };
}

/**
 * The VM of a plan: SSH-only Linux, user-data as customData, and the OS disk
 * and NIC marked deleteOption `Delete`, so that deleting the VM removes them.
 */
export function vmModel(plan: VmPlan, nicId: string): VirtualMachine {
  return {
    location: plan.location,
    tags: resourceTags(plan.tags, plan.nicName),
    hardwareProfile: { vmSize: plan.vmSize },
    storageProfile: {
      imageReference: plan.image,
      osDisk: {
        name: osDiskName(plan.vmName),
        createOption: 'FromImage',
        deleteOption: 'Delete',
        ...(plan.osDiskSizeGB !== undefined && { diskSizeGB: plan.osDiskSizeGB }),
      },
    },
    osProfile: {
      computerName: plan.vmName,
      adminUsername: plan.adminUsername,
      customData: plan.customData,
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        provisionVMAgent: true,
        ssh: { publicKeys: [{ path: `/home/${plan.adminUsername}/.ssh/authorized_keys`, keyData: plan.sshPublicKey }] },
      },
    },
    networkProfile: { networkInterfaces: [{ id: nicId, primary: true, deleteOption: 'Delete' }] },
  };
}

/** ARM's provisioning states in which the VM is still changing. */
export function isSettling(vm: VirtualMachine): boolean {
  const state = vm.provisioningState?.toLowerCase();
  return state === 'creating' || state === 'updating' || state === 'deleting' || state === 'migrating';
}

/**
 * The VM's state: the power state when the instance view is there, else its
 * provisioning state (a listing has no power state: Succeeded reads running).
 */
export function vmStateOf(vm: VirtualMachine): VmState {
  switch (vm.provisioningState?.toLowerCase()) {
    case 'creating':
      return 'pending';
    case 'deleting':
      return 'stopping';
    case 'failed':
      return 'unknown';
  }
  const power = vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code?.slice('PowerState/'.length);
  switch (power) {
    case 'starting':
      return 'pending';
    case 'running':
      return 'running';
    case 'stopping':
    case 'deallocating':
      return 'stopping';
    case 'stopped':
    case 'deallocated':
      return 'stopped';
  }
  const provisioning = vm.provisioningState?.toLowerCase();
  return provisioning === 'succeeded' || provisioning === 'updating' ? 'running' : 'unknown';
}

/** The VmInfo of a VM this driver tagged; undefined for any other VM. */
export function vmInfoOf(vm: VirtualMachine, ip: string | undefined): VmInfo | undefined {
  const tags = vmTagsOf(vm.tags);
  if (!tags || !vm.name) return undefined;
  return {
    vmId: vm.name,
    state: vmStateOf(vm),
    ...(ip !== undefined && { ip }),
    hostname: vm.osProfile?.computerName ?? vm.name,
    tags,
  };
}

/** The primary private address of a NIC, if it has one yet. */
export function privateIpOf(nic: NetworkInterface | undefined): string | undefined {
  const configs = nic?.ipConfigurations ?? [];
  return (configs.find((c) => c.primary) ?? configs[0])?.privateIPAddress ?? undefined;
}
