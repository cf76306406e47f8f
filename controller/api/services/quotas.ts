import type { CloudDefinition, CloudDirectory } from '../../scheduler/cloud-directory.js';
import { runsOnControllerHost } from '../../connectors/connector.js';
import { PermissionDeniedError, ResourceExhaustedError } from '../../../common/errors.js';
import type { Repositories } from '../../store/repositories/index.js';

/** The tenant a quota decision is about. */
export interface QuotaTenant {
  id: string;
  name: string;
  /** The operator tenant may use clouds on the controller's host without a quota. */
  operator: boolean;
}

/** A tenant's quota on one cloud as it applies: `maxInstances` -1 means no limit. */
export interface EffectiveQuota {
  cloud: string;
  maxInstances: number;
  usedInstances: number;
}

/**
 * A stored quota of -1: no limit, set explicitly. On a cloud of the
 * controller's host it is an operator's grant to a tenant that would
 * otherwise have none; elsewhere it means what no quota means.
 */
export const UNLIMITED_GRANT = -1;

/** The caller's tenant, for a quota decision. */
export function callerTenant(principal: { tenantId: string; tenantName: string; operatorTenant: boolean }): QuotaTenant {
  return { id: principal.tenantId, name: principal.tenantName, operator: principal.operatorTenant };
}

/**
 * Names of the clouds whose VMs run on the controller's own host (`local`,
 * `fake` clouds in front of it): their recipes share the controller's
 * machine, so tenants other than the operator's need a quota to use them.
 */
export async function controllerHostClouds(clouds: CloudDirectory, definitions?: readonly CloudDefinition[]): Promise<Set<string>> {
  const onHost = new Set<string>();
  for (const definition of definitions ?? (await clouds.list())) {
    const driver = clouds.driver(definition.driver);
    if (driver && runsOnControllerHost(driver)) onHost.add(definition.name);
  }
  return onHost;
}

/**
 * Refuses new instances that would take a tenant past its quota on a cloud,
 * with a message naming the cloud, the quota and the current usage; and
 * new instances of a tenant other than the operator's on a cloud of the
 * controller's host (`hostClouds`) that an operator admin has not given it
 * a quota on (PERMISSION_DENIED naming the command that does).
 */
export async function enforceQuotas(
  repos: Repositories,
  tenant: QuotaTenant,
  newInstanceClouds: readonly string[],
  hostClouds: ReadonlySet<string>,
): Promise<void> {
  const wanted = new Map<string, number>();
  for (const cloud of newInstanceClouds) wanted.set(cloud, (wanted.get(cloud) ?? 0) + 1);
  for (const [cloud, count] of wanted) {
    const quota = await repos.clouds.quota(tenant.id, cloud);
    if (!quota && !tenant.operator && hostClouds.has(cloud)) {
      throw new PermissionDeniedError(
        `cloud '${cloud}' runs recipes on the controller's own host: tenant '${tenant.name}' may use it once an operator admin ` +
          `gives it a quota there (slipstream quota set ${cloud} MAX --tenant ${tenant.name})`,
        { cloud, tenant: tenant.name, enableWith: `slipstream quota set ${cloud} MAX --tenant ${tenant.name}` },
      );
    }
    if (!quota || quota.maxInstances < 0) continue;
    const used = await repos.clouds.usedInstances(tenant.id, cloud);
    if (used + count > quota.maxInstances) {
      throw new ResourceExhaustedError(
        `quota exceeded on cloud '${cloud}': ${count} more instance(s) would make ${used + count}, the quota is ${quota.maxInstances} (${used} in use)`,
        { cloud, quota: String(quota.maxInstances), used: String(used), requested: String(count) },
      );
    }
  }
}

/**
 * The quota SetQuota stores for `unlimited`: an explicit grant on a cloud of
 * the controller's host for a tenant that needs one (removing the row would
 * take its use away), else none.
 */
export function unlimitedQuota(tenant: QuotaTenant, cloud: string, hostClouds: ReadonlySet<string>): number | undefined {
  return !tenant.operator && hostClouds.has(cloud) ? UNLIMITED_GRANT : undefined;
}

/**
 * A tenant's quotas as they apply, by cloud name: the stored ones, and the
 * implicit 0 on every cloud of the controller's host it has none on (the
 * operator tenant has no implicit ones).
 */
export async function effectiveQuotas(repos: Repositories, tenant: QuotaTenant, hostClouds: ReadonlySet<string>): Promise<EffectiveQuota[]> {
  const limits = new Map<string, number>();
  if (!tenant.operator) for (const cloud of hostClouds) limits.set(cloud, 0);
  for (const row of await repos.clouds.quotas(tenant.id)) limits.set(row.cloud, row.maxInstances);
  const quotas: EffectiveQuota[] = [];
  for (const [cloud, maxInstances] of [...limits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    quotas.push({ cloud, maxInstances: Math.max(maxInstances, UNLIMITED_GRANT), usedInstances: await repos.clouds.usedInstances(tenant.id, cloud) });
  }
  return quotas;
}
