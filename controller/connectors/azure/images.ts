/**
 * Managed images the azure driver captures from a VM: their names (derived
 * from the VM and the requested name, so a repeated build meets its own
 * image), their ARM ids (what VmSpec.image takes, see image.ts) and what
 * their provisioning state means to the controller.
 */
import { createHash } from 'node:crypto';
import type { Image, VirtualMachine } from '@azure/arm-compute';
import type { ImageStatus } from '../connector.js';

/** `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/images/NAME`: a managed image (not a gallery's). */
const MANAGED_IMAGE_ID = /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.Compute\/images\/([-\w.]{1,80})$/i;

/**
 * The image name for `name` captured from `vmId`: the name's letters, digits,
 * `.` and `-` (at most 60) and 12 hex digits of a hash of both (1 to 80
 * characters, starting with a letter or digit, as Azure requires).
 */
export function azureImageName(name: string, vmId: string): string {
  const slug = name
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 60)
    .replace(/[.-]+$/, '');
  const hash = createHash('sha256').update(`${vmId}\0${name}`, 'utf8').digest('hex').slice(0, 12);
  return `${slug || 'ss-image'}-${hash}`;
}

/** Resource group and name of a managed image id, or undefined for anything else. */
export function parseManagedImageId(imageId: string): { resourceGroup: string; name: string } | undefined {
  const match = MANAGED_IMAGE_ID.exec(imageId);
  return match ? { resourceGroup: match[2]!, name: match[3]! } : undefined;
}

/** ARM provisioning state of an image -> ImageStatus. */
export function azureImageStatus(image: Image, imageId: string): ImageStatus {
  const state = image.provisioningState ?? 'Creating';
  switch (state.toLowerCase()) {
    case 'succeeded':
      return { state: 'available' };
    case 'creating':
    case 'updating':
    case 'accepted':
      return { state: 'pending' };
    default:
      return { state: 'failed', message: `azure: image ${imageId} is ${state}` };
  }
}

/** What the VM's instance view says: its power state (`running`, `deallocated`, ...) and whether it is generalized. */
export function powerAndOsState(vm: VirtualMachine): { power: string | undefined; generalized: boolean } {
  const codes = (vm.instanceView?.statuses ?? []).map((s) => s.code?.toLowerCase() ?? '');
  const power = codes.find((c) => c.startsWith('powerstate/'))?.slice('powerstate/'.length);
  return { power, generalized: codes.includes('osstate/generalized') };
}
