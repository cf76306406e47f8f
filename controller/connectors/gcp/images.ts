/**
 * Custom images the gcp driver builds from a VM's boot disk: their names
 * (derived from the VM and the requested name, so a repeated build meets its
 * own image as `alreadyExists`), their ids (`projects/P/global/images/NAME`,
 * what VmSpec.image takes) and what their GCE status means to the controller.
 */
import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import type { ImageStatus } from '../connector.js';

type Image = protos.google.cloud.compute.v1.IImage;

/** `projects/P/global/images/NAME`, optionally as an https URL; never an image family. */
const IMAGE_ID = /^(?:https:\/\/(?:www|compute)\.googleapis\.com\/compute\/(?:v1|beta)\/)?projects\/([^/]+)\/global\/images\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

/**
 * The GCE image name for `name` built from `vmId`: the name's letters and
 * digits (lowercased, at most 40) and 12 hex digits of a hash of both, so
 * that the same build asked twice names the same image and two builds never do.
 */
export function gcpImageName(name: string, vmId: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(`${vmId}\0${name}`, 'utf8').digest('hex').slice(0, 12);
  return `${slug || 'ss-image'}-${hash}`;
}

/** The image id the controller records: `projects/P/global/images/NAME`. */
export function gcpImageId(project: string, name: string): string {
  return `projects/${project}/global/images/${name}`;
}

/** Project and name of an image id, or undefined when it names no single image (a family, another resource). */
export function parseGcpImageId(imageId: string): { project: string; name: string } | undefined {
  const match = IMAGE_ID.exec(imageId);
  return match ? { project: match[1]!, name: match[2]! } : undefined;
}

/** GCE image status -> ImageStatus (READY is the only one VMs can boot). */
export function gcpImageStatus(image: Image, imageId: string): ImageStatus {
  switch (image.status) {
    case 'READY':
      return { state: 'available' };
    case 'PENDING':
      return { state: 'pending' };
    case 'DELETING':
      return { state: 'failed', message: `gcp: image ${imageId} is being deleted` };
    default:
      return { state: 'failed', message: `gcp: image ${imageId} is ${image.status ?? 'in no known state'}${image.status === 'FAILED' ? ': GCE could not create it from its disk' : ''}` };
  }
}
