/**
 * Components state cpu and ramGB in cloud-neutral terms; on GCP they choose
 * the cheapest E2 machine type that has at least that much. (E2 exists in
 * every region; a component that wants another family names it in
 * `options.machineType`.)
 */

import { cheapestFit, type MachineSize } from '../sizing.js';

/** E2 types ordered by on-demand price, cheapest first. */
const E2_BY_PRICE: readonly MachineSize[] = [
  { name: 'e2-micro', cpu: 0.25, ramGB: 1 },
  { name: 'e2-small', cpu: 0.5, ramGB: 2 },
  { name: 'e2-medium', cpu: 1, ramGB: 4 },
  { name: 'e2-highcpu-2', cpu: 2, ramGB: 2 },
  { name: 'e2-standard-2', cpu: 2, ramGB: 8 },
  { name: 'e2-highmem-2', cpu: 2, ramGB: 16 },
  { name: 'e2-highcpu-4', cpu: 4, ramGB: 4 },
  { name: 'e2-standard-4', cpu: 4, ramGB: 16 },
  { name: 'e2-highmem-4', cpu: 4, ramGB: 32 },
  { name: 'e2-highcpu-8', cpu: 8, ramGB: 8 },
  { name: 'e2-standard-8', cpu: 8, ramGB: 32 },
  { name: 'e2-highmem-8', cpu: 8, ramGB: 64 },
  { name: 'e2-highcpu-16', cpu: 16, ramGB: 16 },
  { name: 'e2-standard-16', cpu: 16, ramGB: 64 },
  { name: 'e2-highmem-16', cpu: 16, ramGB: 128 },
  { name: 'e2-highcpu-32', cpu: 32, ramGB: 32 },
  { name: 'e2-standard-32', cpu: 32, ramGB: 128 },
];

/**
 * The cheapest E2 type with at least `cpu` vCPUs and `ramGB` GB (an omitted
 * one sets no lower bound), or undefined when no E2 type is that large.
 */
export function smallestE2MachineType(cpu: number | undefined, ramGB: number | undefined): string | undefined {
  return cheapestFit(E2_BY_PRICE, { cpu, ramGB })?.name;
}
