/**
 * How Slipstream's VMs look on EC2: the tags every instance and volume
 * carries, the idempotency token derived from a spec, and the mapping from
 * an EC2 instance to a VmInfo.
 */
import { createHash } from 'node:crypto';
import type { Instance, Tag } from '@aws-sdk/client-ec2';
import type { VmInfo, VmSpec, VmState, VmTags } from '../connector.js';

/** The tag keys Slipstream puts on every instance and volume it makes. */
export const EC2_TAG = {
  controller: 'slipstream:controller',
  tenant: 'slipstream:tenant',
  run: 'slipstream:run',
  instance: 'slipstream:instance',
  /** Finds the instance made for an idempotency key (see {@link idempotencyTagValue}). */
  idempotency: 'slipstream:idempotency',
} as const;

/** EC2 tag values are at most 256 characters. */
const MAX_TAG_VALUE = 256;

/** Instance ids: `i-` and 8 (older instances) or 17 hex digits. */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** True when `vmId` can be an EC2 instance id at all (anything else is unknown to EC2). */
export function isInstanceId(vmId: string): boolean {
  return INSTANCE_ID.test(vmId);
}

/**
 * RunInstances' ClientToken for a spec: EC2 allows 64 ASCII characters, so
 * it is the sha256 (hex) of the controller id and the idempotency key. The
 * controller id keeps two controllers sharing an account apart.
 */
export function clientToken(spec: VmSpec): string {
  return createHash('sha256').update(`${spec.tags.controllerId}\n${spec.idempotencyKey}`).digest('hex');
}

/** The `slipstream:idempotency` tag value: the key itself, or its hash when it is too long for a tag. */
export function idempotencyTagValue(key: string): string {
  return key.length <= MAX_TAG_VALUE ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The tags of a spec's instance and root volume, `Name` included. */
export function specTags(spec: VmSpec): Tag[] {
  const { controllerId, tenant, runId, instance } = spec.tags;
  return [
    { Key: 'Name', Value: `slipstream ${runId} ${instance}`.slice(0, MAX_TAG_VALUE) },
    { Key: EC2_TAG.controller, Value: controllerId },
    { Key: EC2_TAG.tenant, Value: tenant },
    { Key: EC2_TAG.run, Value: runId },
    { Key: EC2_TAG.instance, Value: instance },
    { Key: EC2_TAG.idempotency, Value: idempotencyTagValue(spec.idempotencyKey) },
  ];
}

/**
 * EC2's state names as VmStates. `shutting-down` is a termination under way:
 * irreversible and no longer billed, so it counts as terminated.
 */
export function vmState(name: string | undefined): VmState {
  switch (name) {
    case 'pending':
    case 'running':
    case 'stopping':
    case 'stopped':
    case 'terminated':
      return name;
    case 'shutting-down':
      return 'terminated';
    default:
      return 'unknown';
  }
}

/** The VmTags an instance carries (empty strings for tags it lacks). */
export function vmTags(tags: readonly Tag[] | undefined): VmTags {
  const get = (key: string) => tags?.find((t) => t.Key === key)?.Value ?? '';
  return { controllerId: get(EC2_TAG.controller), tenant: get(EC2_TAG.tenant), runId: get(EC2_TAG.run), instance: get(EC2_TAG.instance) };
}

/** An EC2 instance as a VmInfo: private address and DNS name, when EC2 has assigned them. */
export function toVmInfo(instance: Instance, tags: VmTags = vmTags(instance.Tags)): VmInfo {
  return {
    vmId: instance.InstanceId ?? '',
    state: vmState(instance.State?.Name),
    ...(instance.PrivateIpAddress ? { ip: instance.PrivateIpAddress } : {}),
    ...(instance.PrivateDnsName ? { hostname: instance.PrivateDnsName } : {}),
    tags: { ...tags },
  };
}
