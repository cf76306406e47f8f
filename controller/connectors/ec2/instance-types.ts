/**
 * The instance type of a VM whose component and cloud name none: the
 * cheapest general-purpose or memory-optimized type with at least the
 * component's cpu and ramGB.
 */

import { cheapestFit, type MachineSize } from '../sizing.js';

/**
 * Ordered by on-demand price (us-east-1, Linux; only the order matters):
 * burstable t3 first, then m5 and r5 where t3 stops or memory dominates.
 */
const CANDIDATES: readonly MachineSize[] = [
  { name: 't3.nano', cpu: 2, ramGB: 0.5 },
  { name: 't3.micro', cpu: 2, ramGB: 1 },
  { name: 't3.small', cpu: 2, ramGB: 2 },
  { name: 't3.medium', cpu: 2, ramGB: 4 },
  { name: 't3.large', cpu: 2, ramGB: 8 },
  { name: 'r5.large', cpu: 2, ramGB: 16 },
  { name: 't3.xlarge', cpu: 4, ramGB: 16 },
  { name: 'r5.xlarge', cpu: 4, ramGB: 32 },
  { name: 't3.2xlarge', cpu: 8, ramGB: 32 },
  { name: 'r5.2xlarge', cpu: 8, ramGB: 64 },
  { name: 'm5.4xlarge', cpu: 16, ramGB: 64 },
  { name: 'r5.4xlarge', cpu: 16, ramGB: 128 },
  { name: 'm5.8xlarge', cpu: 32, ramGB: 128 },
  { name: 'r5.8xlarge', cpu: 32, ramGB: 256 },
  { name: 'm5.12xlarge', cpu: 48, ramGB: 192 },
  { name: 'm5.16xlarge', cpu: 64, ramGB: 256 },
  { name: 'r5.12xlarge', cpu: 48, ramGB: 384 },
  { name: 'r5.16xlarge', cpu: 64, ramGB: 512 },
  { name: 'm5.24xlarge', cpu: 96, ramGB: 384 },
  { name: 'r5.24xlarge', cpu: 96, ramGB: 768 },
];

/** What a VM gets when its component states neither cpu nor ramGB: room for Node and the agent. */
const MINIMUM_MEMORY_GB = 1;

/**
 * The cheapest known type with at least `cpu` vCPUs and `ramGB` of memory
 * (t3.micro when both are unset), or undefined when no known type is that big.
 * An unset cpu sets no lower bound (every type has 2 vCPUs or more); an unset
 * ramGB is MINIMUM_MEMORY_GB, not cheapestFit's none, so that t3.nano is
 * chosen only for a component that asks for half a GB.
 */
export function defaultInstanceType(cpu: number | undefined, ramGB: number | undefined): string | undefined {
  return cheapestFit(CANDIDATES, { cpu, ramGB: ramGB ?? MINIMUM_MEMORY_GB })?.name;
}
