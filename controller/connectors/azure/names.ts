/**
 * Deterministic resource names and the tags that mark a resource as made by
 * Slipstream. The VM name is derived from the idempotency key, so a retried
 * or resumed provision finds what an earlier attempt made instead of making
 * a second VM.
 */
import { createHash } from 'node:crypto';
import type { VmTags } from '../connector.js';

/** Every VM this driver makes is named `ss-` and 20 hex digits. */
export const AZURE_VM_NAME = /^ss-[0-9a-f]{20}$/;

/** The tag names, in Azure (a tag name may not contain `<>%&\?/`). */
export const TAG = {
  controller: 'slipstream-controller',
  tenant: 'slipstream-tenant',
  run: 'slipstream-run',
  instance: 'slipstream-instance',
  nic: 'slipstream-nic',
} as const;

/** Azure's limit on a tag value. */
export const MAX_TAG_VALUE = 256;

/** The VM name of an idempotency key: `ss-` + the first 20 hex digits of its SHA-256. */
export function azureVmName(idempotencyKey: string): string {
  return `ss-${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 20)}`;
}

/** The NIC made for a VM. */
export function nicName(vmName: string): string {
  return `${vmName}-nic`;
}

/** The managed OS disk made for a VM. */
export function osDiskName(vmName: string): string {
  return `${vmName}-osdisk`;
}

/** The tags of a VM's resources (the NIC's carry no `slipstream-nic`). */
export function resourceTags(tags: VmTags, nic?: string): Record<string, string> {
  return {
    [TAG.controller]: tags.controllerId,
    [TAG.tenant]: tags.tenant,
    [TAG.run]: tags.runId,
    [TAG.instance]: tags.instance,
    ...(nic !== undefined && { [TAG.nic]: nic }),
  };
}

/** The Slipstream tags of a resource, or undefined when it lacks any (not made by Slipstream). */
export function vmTagsOf(tags: Record<string, string> | undefined): VmTags | undefined {
  const controllerId = tags?.[TAG.controller];
  const tenant = tags?.[TAG.tenant];
  const runId = tags?.[TAG.run];
  const instance = tags?.[TAG.instance];
  if (controllerId === undefined || tenant === undefined || runId === undefined || instance === undefined) return undefined;
  return { controllerId, tenant, runId, instance };
}

/** True when both tag sets name the same controller, tenant, run and instance. */
export function sameVmTags(a: VmTags, b: VmTags): boolean {
  return a.controllerId === b.controllerId && a.tenant === b.tenant && a.runId === b.runId && a.instance === b.instance;
}
