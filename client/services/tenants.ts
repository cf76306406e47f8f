/** TenantService as promises of its own message types. */
import * as pb from '../../proto/gen/slipstream/v1/tenants.js';
import type { CallOptions } from '../options.js';
import { collectPages } from '../pagination.js';
import { bound, unaryCaller, type Rpc, type UnaryCaller } from '../rpc.js';

/** Tenant administration (operator admins) and reading one's own tenant. */
export interface TenantsClient {
  readonly raw: pb.TenantServiceClient;
  /** Creates a tenant and its first admin; the response holds that admin's token, shown only here. */
  create: UnaryCaller<pb.CreateTenantRequest, pb.CreateTenantResponse>;
  /** One tenant; an empty name means the caller's. */
  get: UnaryCaller<pb.GetTenantRequest, pb.GetTenantResponse>;
  /** One page of tenants. */
  list: UnaryCaller<pb.ListTenantsRequest, pb.ListTenantsResponse>;
  /** Every tenant, all pages. */
  listAll(call?: CallOptions): Promise<pb.Tenant[]>;
}

/** Builds the tenants sub-client over a raw client sharing the channel. */
export function createTenantsClient(rpc: Rpc, raw: pb.TenantServiceClient): TenantsClient {
  const list = unaryCaller(rpc, bound(raw, 'listTenants'), pb.ListTenantsRequest.create());
  return {
    raw,
    create: unaryCaller(rpc, bound(raw, 'createTenant'), pb.CreateTenantRequest.create()),
    get: unaryCaller(rpc, bound(raw, 'getTenant'), pb.GetTenantRequest.create()),
    list,
    listAll: (call) =>
      collectPages(async (pageToken) => {
        const page = await list({ pageToken }, call);
        return { items: page.tenants, nextPageToken: page.nextPageToken };
      }),
  };
}
