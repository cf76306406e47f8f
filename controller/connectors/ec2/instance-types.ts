/**
 * The instance type of a VM whose component and cloud name none: the
 * cheapest general-purpose or memory-optimized type with at least the
 * component's cpu and ramGB.
 */

interface Candidate {
  type: string;
  vcpus: number;
  memoryGB: number;
}

/**
 * Ordered by on-demand price (us-east-1, Linux; only the order matters):
 * burstable t3 first, then m5 and r5 where t3 stops or memory dominates.
 */
const CANDIDATES: readonly Candidate[] = [
  { type: 't3.nano', vcpus: 2, memoryGB: 0.5 },
  { type: 't3.micro', vcpus: 2, memoryGB: 1 },
  { type: 't3.small', vcpus: 2, memoryGB: 2 },
  { type: 't3.medium', vcpus: 2, memoryGB: 4 },
  { type: 't3.large', vcpus: 2, memoryGB: 8 },
  { type: 'r5.large', vcpus: 2, memoryGB: 16 },
  { type: 't3.xlarge', vcpus: 4, memoryGB: 16 },
  { type: 'r5.xlarge', vcpus: 4, memoryGB: 32 },
  { type: 't3.2xlarge', vcpus: 8, memoryGB: 32 },
  { type: 'r5.2xlarge', vcpus: 8, memoryGB: 64 },
  { type: 'm5.4xlarge', vcpus: 16, memoryGB: 64 },
  { type: 'r5.4xlarge', vcpus: 16, memoryGB: 128 },
  { type: 'm5.8xlarge', vcpus: 32, memoryGB: 128 },
  { type: 'r5.8xlarge', vcpus: 32, memoryGB: 256 },
  { type: 'm5.12xlarge', vcpus: 48, memoryGB: 192 },
  { type: 'm5.16xlarge', vcpus: 64, memoryGB: 256 },
  { type: 'r5.12xlarge', vcpus: 48, memoryGB: 384 },
  { type: 'r5.16xlarge', vcpus: 64, memoryGB: 512 },
  { type: 'm5.24xlarge', vcpus: 96, memoryGB: 384 },
  { type: 'r5.24xlarge', vcpus: 96, memoryGB: 768 },
];

/** What a VM gets when its component states neither cpu nor ramGB: room for Node and the agent. */
const MINIMUM_MEMORY_GB = 1;

/**
 * The cheapest known type with at least `cpu` vCPUs and `ramGB` of memory
 * (t3.micro when both are unset), or undefined when no known type is that big.
 */
export function defaultInstanceType(cpu: number | undefined, ramGB: number | undefined): string | undefined {
  const vcpus = cpu ?? 1;
  const memoryGB = ramGB ?? MINIMUM_MEMORY_GB;
  return CANDIDATES.find((c) => c.vcpus >= vcpus && c.memoryGB >= memoryGB)?.type;
}
