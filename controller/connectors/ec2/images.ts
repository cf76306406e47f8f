/**
 * AMIs the ec2 driver builds: what their ids look like and what their EC2
 * states mean to the controller (see ImageBuilder in ../connector.ts).
 */
import type { Image } from '@aws-sdk/client-ec2';
import type { ImageStatus } from '../connector.js';

/** `ami-` and 8 (older accounts) or 17 hex digits. */
const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;

export function isImageId(value: string): boolean {
  return AMI_ID.test(value);
}

/** Why `image` cannot be an AMI id, or undefined when it can. */
export function amiIdProblem(image: string): string | undefined {
  return isImageId(image) ? undefined : 'must be an AMI id: ami- followed by 8 or 17 hex digits';
}

/**
 * An AMI's state as the controller sees it. EC2's `pending` and `transient`
 * may still become available; `invalid`, `failed`, `error`, `deregistered`
 * and `disabled` never will (a disabled AMI cannot launch instances).
 */
export function amiStatus(image: Image): ImageStatus {
  const state = image.State ?? 'pending';
  const reason = image.StateReason?.Message || image.StateReason?.Code;
  if (state === 'available') return { state: 'available' };
  if (state === 'pending' || state === 'transient') return { state: 'pending', ...(reason ? { message: reason } : {}) };
  return { state: 'failed', message: `ec2: image ${image.ImageId ?? ''} is ${state}${reason ? `: ${reason}` : ''}` };
}
