import type * as pb from '../../../proto/gen/slipstream/v1/clouds.js';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import type { Principal } from '../../auth/principal.js';
import type { CloudDefinition, CloudDirectory } from '../../scheduler/cloud-directory.js';
import { ConnectorError, reportsCapabilities, type ConnectorDriver } from '../../connectors/connector.js';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  throwIfViolations,
  type FieldViolation,
} from '../../../common/errors.js';
import { checkName, DNS_LABEL, DNS_LABEL_RULE } from '../../../common/names.js';
import type { Repositories } from '../../store/repositories/index.js';
import { unaryRpc, type ApiDeps, type RpcContext } from '../rpc.js';
import { makesRemoteVms, remoteCloudProblem } from '../../remote-clouds.js';
import { callerTenant, controllerHostClouds, effectiveQuotas, unlimitedQuota, type QuotaTenant } from './quotas.js';

export interface CloudServiceDeps extends ApiDeps {
  clouds: CloudDirectory;
  cipher: CredentialCipher;
  /** The id this control plane tags VMs with (TestCloud lists them). */
  controllerId: string;
  /** Why VMs on other machines could not reach this controller (AdvertisedAddresses.unreachable): clouds that make them are refused. */
  remoteVmsUnreachable?: string | undefined;
}

const MAX_CREDENTIAL_FIELDS = 32;
const MAX_CREDENTIAL_BYTES = 64 * 1024;

function requireOperatorAdmin(principal: Principal, method: string): void {
  if (!principal.operatorTenant) throw new PermissionDeniedError(`${method} is reserved to admins of the operator tenant`);
}

function prefixed(prefix: string, violations: FieldViolation[]): FieldViolation[] {
  return violations.map((v) => ({ field: v.field.startsWith(`${prefix}.`) ? v.field : `${prefix}.${v.field}`, description: v.description }));
}

async function requireCloud(deps: CloudServiceDeps, name: string): Promise<CloudDefinition> {
  const definition = await deps.clouds.definition(name);
  if (!definition) throw new NotFoundError('cloud', name);
  return definition;
}

/**
 * What a cloud's connectors can do, from its driver and settings alone (no
 * tenant's credentials needed); nothing for a driver that cannot tell.
 */
function capabilitiesView(driver: ConnectorDriver, settings: Record<string, string>): pb.CloudCapabilities | undefined {
  if (!reportsCapabilities(driver)) return undefined;
  try {
    const { buildImage, sshKeys, maxParallelProvisioning } = driver.capabilitiesOf(settings);
    return { buildImage, sshKeys, maxParallelProvisioning };
  } catch {
    // Settings stored before a driver's rules tightened: shown without capabilities rather than failing the listing.
    return undefined;
  }
}

/** The tenant a quota call is about: the caller's, or (operator admins only) another one. */
async function quotaTenant(repos: Repositories, ctx: RpcContext, name: string): Promise<QuotaTenant> {
  if (name === '' || name === ctx.principal.tenantName) return callerTenant(ctx.principal);
  if (!(ctx.principal.operatorTenant && ctx.principal.role === 'admin')) throw new NotFoundError('tenant', name);
  const row = await repos.tenants.findByName(name);
  if (!row) throw new NotFoundError('tenant', name);
  return { id: row.id, name: row.name, operator: row.operator };
}

/** Handlers of slipstream.v1.CloudService. */
export function cloudService(deps: CloudServiceDeps): pb.CloudServiceServer {
  const view = async (definition: CloudDefinition, tenantId: string): Promise<pb.Cloud> => {
    const withCredential = await deps.store.read((repos) => repos.clouds.credentialClouds(tenantId));
    const driver = deps.clouds.driver(definition.driver);
    const row = definition.builtIn ? undefined : await deps.store.read((repos) => repos.clouds.find(definition.name));
    return {
      name: definition.name,
      driver: definition.driver,
      settings: { ...definition.settings },
      hasCredential: withCredential.has(definition.name),
      capabilities: driver && capabilitiesView(driver, definition.settings),
      createdAt: row?.createdAt,
    };
  };

  return {
    createCloud: unaryRpc(deps, 'CreateCloud', 'admin', async (req: pb.CreateCloudRequest, ctx) => {
      requireOperatorAdmin(ctx.principal, 'CreateCloud');
      const violations = [...checkName('name', req.name, DNS_LABEL, DNS_LABEL_RULE), ...deps.clouds.validate(req.driver, req.settings)];
      if (deps.clouds.isBuiltIn(req.name)) violations.push({ field: 'name', description: `'${req.name}' is a built-in cloud` });
      throwIfViolations(violations);
      if (deps.remoteVmsUnreachable !== undefined && makesRemoteVms(deps.clouds.driver(req.driver))) {
        throw new FailedPreconditionError('NO_PUBLIC_ADDRESS', req.name, remoteCloudProblem({ name: req.name, driver: req.driver }, deps.remoteVmsUnreachable));
      }
      await ctx.store.write((repos) => repos.clouds.create(req.name, req.driver, req.settings));
      ctx.log.info({ cloud: req.name, driver: req.driver }, 'cloud created');
      return { cloud: await view(await requireCloud(deps, req.name), ctx.principal.tenantId) };
    }),

    getCloud: unaryRpc(deps, 'GetCloud', 'viewer', async (req: pb.GetCloudRequest, ctx) => ({
      cloud: await view(await requireCloud(deps, req.name), ctx.principal.tenantId),
    })),

    listClouds: unaryRpc(deps, 'ListClouds', 'viewer', async (_req: pb.ListCloudsRequest, ctx) => {
      const clouds = [];
      for (const definition of await deps.clouds.list()) clouds.push(await view(definition, ctx.principal.tenantId));
      return { clouds };
    }),

    updateCloud: unaryRpc(deps, 'UpdateCloud', 'admin', async (req: pb.UpdateCloudRequest, ctx) => {
      requireOperatorAdmin(ctx.principal, 'UpdateCloud');
      if (deps.clouds.isBuiltIn(req.name)) throw new FailedPreconditionError('BUILT_IN', req.name, `'${req.name}' is a built-in cloud`);
      const definition = await requireCloud(deps, req.name);
      throwIfViolations(prefixed('settings', deps.clouds.validate(definition.driver, req.settings)));
      await ctx.store.write(async (repos) => repos.clouds.update(await repos.clouds.get(req.name), req.settings));
      return { cloud: await view(await requireCloud(deps, req.name), ctx.principal.tenantId) };
    }),

    deleteCloud: unaryRpc(deps, 'DeleteCloud', 'admin', async (req: pb.DeleteCloudRequest, ctx) => {
      requireOperatorAdmin(ctx.principal, 'DeleteCloud');
      if (deps.clouds.isBuiltIn(req.name)) throw new FailedPreconditionError('BUILT_IN', req.name, `'${req.name}' is a built-in cloud`);
      await ctx.store.write(async (repos) => {
        const row = await repos.clouds.get(req.name);
        if ((await repos.clouds.liveRunsOn(req.name)) > 0) {
          throw new FailedPreconditionError('CLOUD_IN_USE', req.name, `cloud '${req.name}' has VMs of live runs; terminate them first`);
        }
        await repos.clouds.remove(row);
      });
      ctx.log.info({ cloud: req.name }, 'cloud deleted');
      return {};
    }),

    testCloud: unaryRpc(deps, 'TestCloud', 'admin', async (req: pb.TestCloudRequest, ctx) => {
      await requireCloud(deps, req.name);
      try {
        const connector = await deps.clouds.connector(req.name, ctx.principal.tenantId);
        const vms = await connector.listTagged({ controllerId: deps.controllerId });
        return { ok: true, message: `credentials work: ${vms.length} VM(s) of this controller listed` };
      } catch (err) {
        if (err instanceof ConnectorError) return { ok: false, message: `${err.kind}: ${err.message}` };
        throw err;
      }
    }),

    setCredential: unaryRpc(deps, 'SetCredential', 'admin', async (req: pb.SetCredentialRequest, ctx) => {
      await requireCloud(deps, req.cloud);
      const entries = Object.entries(req.fields);
      const violations: FieldViolation[] = [];
      if (entries.length === 0) violations.push({ field: 'fields', description: 'give at least one credential field' });
      if (entries.length > MAX_CREDENTIAL_FIELDS) violations.push({ field: 'fields', description: `at most ${MAX_CREDENTIAL_FIELDS} fields` });
      for (const [key] of entries) {
        if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(key)) violations.push({ field: `fields.${key}`, description: 'is not a valid field name' });
      }
      if (Buffer.byteLength(JSON.stringify(req.fields)) > MAX_CREDENTIAL_BYTES) {
        violations.push({ field: 'fields', description: 'must be at most 64 KiB in all' });
      }
      throwIfViolations(violations);
      const ciphertext = deps.cipher.encrypt(req.fields, ctx.principal.tenantId, req.cloud);
      const row = await ctx.store.write((repos) => repos.clouds.setCredential(ctx.principal.tenantId, req.cloud, ciphertext, deps.cipher.keyId));
      ctx.log.info({ cloud: req.cloud, fieldNames: entries.map(([k]) => k) }, 'cloud credential set');
      return { updatedAt: row.updatedAt };
    }),

    deleteCredential: unaryRpc(deps, 'DeleteCredential', 'admin', async (req: pb.DeleteCredentialRequest, ctx) => {
      const deleted = await ctx.store.write((repos) => repos.clouds.deleteCredential(ctx.principal.tenantId, req.cloud));
      if (!deleted) throw new NotFoundError('credential', req.cloud);
      return {};
    }),

    setQuota: unaryRpc(deps, 'SetQuota', 'admin', async (req: pb.SetQuotaRequest, ctx) => {
      requireOperatorAdmin(ctx.principal, 'SetQuota');
      await requireCloud(deps, req.cloud);
      if (!req.unlimited && (!Number.isInteger(req.maxInstances) || req.maxInstances < 0)) {
        throw new InvalidArgumentError([{ field: 'max_instances', description: 'must be a non-negative integer (or set unlimited)' }]);
      }
      const hostClouds = await controllerHostClouds(deps.clouds);
      return ctx.store.write(async (repos) => {
        const tenant = await quotaTenant(repos, ctx, req.tenant);
        const limit = req.unlimited ? unlimitedQuota(tenant, req.cloud, hostClouds) : req.maxInstances;
        const row = await repos.clouds.setQuota(tenant.id, req.cloud, limit);
        const used = await repos.clouds.usedInstances(tenant.id, req.cloud);
        return { quota: { tenant: tenant.name, cloud: req.cloud, maxInstances: row?.maxInstances ?? -1, usedInstances: used } };
      });
    }),

    listQuotas: unaryRpc(deps, 'ListQuotas', 'viewer', async (req: pb.ListQuotasRequest, ctx) => {
      const hostClouds = await controllerHostClouds(deps.clouds);
      return ctx.store.read(async (repos) => {
        const tenant = await quotaTenant(repos, ctx, req.tenant);
        // With the implicit 0 on the clouds of the controller's host that the tenant has no quota on.
        const quotas = await effectiveQuotas(repos, tenant, hostClouds);
        return { quotas: quotas.map((q) => ({ tenant: tenant.name, ...q })) };
      });
    }),
  };
}
