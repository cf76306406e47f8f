import type * as pb from '../../../proto/gen/slipstream/v1/tenants.js';
import { createTenantWithAdmin } from '../../auth/provision-tenant.js';
import type { Principal } from '../../auth/principal.js';
import { NotFoundError, PermissionDeniedError, throwIfViolations } from '../../../common/errors.js';
import { checkName, DNS_LABEL, DNS_LABEL_RULE, USER_NAME, USER_NAME_RULE } from '../../../common/names.js';
import { tenantToProto } from '../convert/admin.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';

function requireOperatorAdmin(principal: Principal, method: string): void {
  if (!principal.operatorTenant) {
    throw new PermissionDeniedError(`${method} is reserved to admins of the operator tenant`);
  }
}

/** Handlers of slipstream.v1.TenantService. */
export function tenantService(deps: ApiDeps): pb.TenantServiceServer {
  return {
    createTenant: unaryRpc(deps, 'CreateTenant', 'admin', async (req: pb.CreateTenantRequest, ctx) => {
      requireOperatorAdmin(ctx.principal, 'CreateTenant');
      const adminUser = req.adminUser || 'admin';
      throwIfViolations([
        ...checkName('name', req.name, DNS_LABEL, DNS_LABEL_RULE),
        ...checkName('admin_user', adminUser, USER_NAME, USER_NAME_RULE),
        ...(req.displayName.length > 255 ? [{ field: 'display_name', description: 'must be at most 255 characters' }] : []),
      ]);
      const created = await ctx.store.write((repos) =>
        createTenantWithAdmin(repos, { name: req.name, displayName: req.displayName || req.name, operator: false, adminUser }),
      );
      ctx.log.info({ created: req.name, admin: adminUser }, 'tenant created');
      return { tenant: tenantToProto(created.tenant), adminToken: created.secret };
    }),

    getTenant: unaryRpc(deps, 'GetTenant', 'viewer', async (req: pb.GetTenantRequest, ctx) => {
      const name = req.name || ctx.principal.tenantName;
      const mayReadOthers = ctx.principal.operatorTenant && ctx.principal.role === 'admin';
      // Another tenant's existence is not revealed: NOT_FOUND, as for a missing one.
      if (name !== ctx.principal.tenantName && !mayReadOthers) throw new NotFoundError('tenant', name);
      const row = await ctx.store.read((repos) => repos.tenants.findByName(name));
      if (!row) throw new NotFoundError('tenant', name);
      return { tenant: tenantToProto(row) };
    }),

    listTenants: unaryRpc(deps, 'ListTenants', 'viewer', async (req: pb.ListTenantsRequest, ctx) => {
      if (!(ctx.principal.operatorTenant && ctx.principal.role === 'admin')) {
        const own = await ctx.store.read((repos) => repos.tenants.findById(ctx.principal.tenantId));
        return { tenants: own ? [tenantToProto(own)] : [], nextPageToken: '' };
      }
      const page = await ctx.store.read((repos) => repos.tenants.list(req.pageSize, req.pageToken));
      return { tenants: page.rows.map(tenantToProto), nextPageToken: page.next };
    }),
  };
}
