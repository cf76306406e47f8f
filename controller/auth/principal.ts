import type { Role } from '../../common/roles.js';

/** Who is calling: the user behind the bearer token, with their tenant and role. */
export interface Principal {
  tenantId: string;
  tenantName: string;
  /** True for the controller's operator tenant, whose admins manage tenants. */
  operatorTenant: boolean;
  userId: string;
  userName: string;
  role: Role;
  tokenId: string;
  tokenName: string;
}
