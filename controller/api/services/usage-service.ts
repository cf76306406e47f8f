import type * as pb from '../../../proto/gen/slipstream/v1/usage.js';
import type { Principal } from '../../auth/principal.js';
import { InvalidArgumentError, NotFoundError, PermissionDeniedError, throwIfViolations } from '../../../common/errors.js';
import { checkUsageQuery } from '../../domain/usage/usage-request.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { UsageScope } from '../../store/repositories/usage.js';
import { usageRowToProto } from '../convert/usage.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';

const isOperatorAdmin = (principal: Principal) => principal.operatorTenant && principal.role === 'admin';

/**
 * The tenants a GetUsage call reads: the caller's (default), a named one
 * (operator admins; for others another tenant is NOT_FOUND, like a missing
 * one), or every tenant (operator admins).
 */
async function scopeOf(repos: Repositories, principal: Principal, req: pb.GetUsageRequest): Promise<UsageScope> {
  if (req.allTenants) {
    if (!isOperatorAdmin(principal)) throw new PermissionDeniedError("every tenant's usage is reserved to admins of the operator tenant");
    return 'all-tenants';
  }
  if (req.tenant === '' || req.tenant === principal.tenantName) return { tenantId: principal.tenantId };
  if (!isOperatorAdmin(principal)) throw new NotFoundError('tenant', req.tenant);
  const tenant = await repos.tenants.findByName(req.tenant);
  if (!tenant) throw new NotFoundError('tenant', req.tenant);
  return { tenantId: tenant.id };
}

/** Handlers of slipstream.v1.UsageService. Tenant admins read their tenant's usage; operator admins any tenant's or all. */
export function usageService(deps: ApiDeps): pb.UsageServiceServer {
  return {
    getUsage: unaryRpc(deps, 'GetUsage', 'admin', async (req: pb.GetUsageRequest, ctx) => {
      const { query, violations } = checkUsageQuery({ from: req.from, to: req.to, groupBy: req.groupBy });
      if (req.allTenants && req.tenant !== '') violations.push({ field: 'all_tenants', description: 'give tenant or all_tenants, not both' });
      throwIfViolations(violations);
      if (!query) throw new InvalidArgumentError(violations);
      const now = new Date();
      const { rows, totals } = await ctx.store.read(async (repos) => repos.usage.sums(await scopeOf(repos, ctx.principal, req), query, now));
      return {
        rows: rows.map(usageRowToProto),
        totals: usageRowToProto(totals),
        from: query.period.from,
        to: query.period.to,
        groupBy: query.groupBy,
        asOf: now,
      };
    }),
  };
}
