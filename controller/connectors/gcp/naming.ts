/**
 * How Slipstream marks its GCE instances: a name derived from the
 * idempotency key (so a retried or repeated create hits the same name and
 * never makes a second VM), labels for server-side filtering, and metadata
 * items holding the exact tag values (label values are restricted to
 * lowercase letters, digits, `_` and `-`, so they cannot hold every run id,
 * tenant or `node.N`).
 */
import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import type { VmTags } from '../connector.js';

type Instance = protos.google.cloud.compute.v1.IInstance;

/** Label keys (also the metadata keys holding the exact values). */
export const TAG_KEYS = {
  controllerId: 'slipstream-controller',
  tenant: 'slipstream-tenant',
  runId: 'slipstream-run',
  instance: 'slipstream-instance',
} as const satisfies Record<keyof VmTags, string>;

/** The metadata key cloud-init reads its user-data from on GCE. */
export const USER_DATA_KEY = 'user-data';

const OUR_NAME = /^ss-[0-9a-f]{20}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

/** The instance name for an idempotency key: `ss-` and 20 hex digits (80 bits) of its SHA-256. */
export function instanceName(idempotencyKey: string): string {
  return `ss-${sha256(idempotencyKey).slice(0, 20)}`;
}

/** True when `name` is one {@link instanceName} can make. */
export function isSlipstreamName(name: string): boolean {
  return OUR_NAME.test(name);
}

/**
 * `value` as a GCE label value. A value that is already valid is kept; any
 * other is lowercased, stripped to the allowed characters and suffixed with
 * 8 hex digits of its hash, so that two different values never share a label
 * (and a label filter selects exactly, up to hash collisions, which the exact
 * metadata values settle).
 */
export function labelValue(value: string): string {
  if (LABEL_VALUE.test(value)) return value;
  const cleaned = value.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 54);
  return `${cleaned}-${sha256(value).slice(0, 8)}`;
}

/** The labels that mark a VM with `tags`. */
export function tagLabels(tags: VmTags): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [field, key] of Object.entries(TAG_KEYS)) labels[key] = labelValue(tags[field as keyof VmTags]);
  return labels;
}

/** The metadata items holding the exact tag values. */
export function tagMetadata(tags: VmTags): Array<{ key: string; value: string }> {
  return Object.entries(TAG_KEYS).map(([field, key]) => ({ key, value: tags[field as keyof VmTags] }));
}

/**
 * The tags of an instance: the exact values from its metadata, else (an
 * instance marked by hand, or by an older version) its label values; empty
 * strings when it carries neither.
 */
export function readTags(instance: Instance): VmTags {
  const items = new Map((instance.metadata?.items ?? []).map((item) => [item.key ?? '', item.value ?? '']));
  const read = (field: keyof VmTags) => items.get(TAG_KEYS[field]) ?? instance.labels?.[TAG_KEYS[field]] ?? '';
  return { controllerId: read('controllerId'), tenant: read('tenant'), runId: read('runId'), instance: read('instance') };
}

/** The list filter that selects by the given tags' labels (AND of each `(labels.K = "V")`). */
export function labelFilter(tags: Partial<VmTags>): string {
  return (Object.keys(TAG_KEYS) as Array<keyof VmTags>)
    .filter((field) => tags[field] !== undefined)
    .map((field) => `(labels.${TAG_KEYS[field]} = "${labelValue(tags[field]!)}")`)
    .join(' ');
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
