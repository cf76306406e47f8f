import { ResourceExhaustedError } from '../../domain/errors.js';
import type { Repositories } from '../../store/repositories/index.js';

/**
 * Refuses new instances that would take a tenant past its quota on a cloud,
 * with a message naming the cloud, the quota and the current usage.
 */
export async function enforceQuotas(repos: Repositories, tenantId: string, newInstanceClouds: readonly string[]): Promise<void> {
  const wanted = new Map<string, number>();
  for (const cloud of newInstanceClouds) wanted.set(cloud, (wanted.get(cloud) ?? 0) + 1);
  for (const [cloud, count] of wanted) {
    const quota = await repos.clouds.quota(tenantId, cloud);
    if (!quota) continue;
    const used = await repos.clouds.usedInstances(tenantId, cloud);
    if (used + count > quota.maxInstances) {
      throw new ResourceExhaustedError(
        `quota exceeded on cloud '${cloud}': ${count} more instance(s) would make ${used + count}, the quota is ${quota.maxInstances} (${used} in use)`,
        { cloud, quota: String(quota.maxInstances), used: String(used), requested: String(count) },
      );
    }
  }
}
