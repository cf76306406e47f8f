/**
 * Azure image references as components give them: a marketplace URN
 * `publisher:offer:sku:version` or the full ARM id of a managed image or of a
 * compute-gallery image (or image version).
 */
import type { FieldViolation } from '../../../common/errors.js';

/** What the VM model's `storageProfile.imageReference` gets. */
export type AzureImageReference = { publisher: string; offer: string; sku: string; version: string } | { id: string };

const URN_PART = /^[A-Za-z0-9][-\w.]{0,127}$/;
const URN_VERSION = /^(latest|\d+\.\d+\.\d+)$/;
const SEGMENT = '[-\\w.()]{1,90}';
const IMAGE_ID = new RegExp(
  `^/subscriptions/[0-9a-f-]{36}/resourceGroups/${SEGMENT}/providers/Microsoft\\.Compute/` +
    `(images/${SEGMENT}|galleries/${SEGMENT}/images/${SEGMENT}(/versions/(latest|\\d+\\.\\d+\\.\\d+))?)$`,
  'i',
);

/** What an Azure image must look like (a violation's description). */
export const IMAGE_RULE =
  'must be an Azure image: a URN publisher:offer:sku:version (version latest or N.N.N), or the ARM id of a managed image or gallery image (/subscriptions/.../providers/Microsoft.Compute/...)';

/** The image reference `image` stands for, or undefined when it is neither a URN nor an image id. */
export function parseImage(image: string): AzureImageReference | undefined {
  if (image.startsWith('/')) return IMAGE_ID.test(image) ? { id: image } : undefined;
  const parts = image.split(':');
  if (parts.length !== 4) return undefined;
  const [publisher, offer, sku, version] = parts as [string, string, string, string];
  if (![publisher, offer, sku].every((part) => URN_PART.test(part)) || !URN_VERSION.test(version)) return undefined;
  return { publisher, offer, sku, version };
}

/** Violations of `image` as an Azure image (at `field`); empty when valid. */
export function validateImage(image: string, field = 'image'): FieldViolation[] {
  return parseImage(image) ? [] : [{ field, description: IMAGE_RULE }];
}

