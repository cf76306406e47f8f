/** Paired conversions of tenants, users, roles and tokens between wire and storage. */
import { Role as PbRole, type User } from '../../../proto/gen/slipstream/v1/users.js';
import type { Tenant } from '../../../proto/gen/slipstream/v1/tenants.js';
import type { Token } from '../../../proto/gen/slipstream/v1/tokens.js';
import type { Role } from '../../auth/roles.js';
import type { ApiTokenRow } from '../../store/entities/api-token.js';
import type { TenantRow } from '../../store/entities/tenant.js';
import type { UserRow } from '../../store/entities/user.js';

const ROLE_TO_PROTO: Record<Role, PbRole> = {
  viewer: PbRole.ROLE_VIEWER,
  deployer: PbRole.ROLE_DEPLOYER,
  editor: PbRole.ROLE_EDITOR,
  admin: PbRole.ROLE_ADMIN,
};
const ROLE_FROM_PROTO = new Map(Object.entries(ROLE_TO_PROTO).map(([k, v]) => [v, k as Role]));

export function roleToProto(role: Role): PbRole {
  return ROLE_TO_PROTO[role];
}

/** Undefined for UNSPECIFIED and unknown numbers. */
export function roleFromProto(role: PbRole): Role | undefined {
  return ROLE_FROM_PROTO.get(role);
}

export function tenantToProto(row: TenantRow): Tenant {
  return { name: row.name, displayName: row.displayName, operator: row.operator, createdAt: row.createdAt };
}

export function userToProto(row: UserRow, tenantName: string): User {
  return { name: row.name, role: roleToProto(row.role as Role), tenant: tenantName, createdAt: row.createdAt };
}

export function tokenToProto(row: ApiTokenRow, userName: string): Token {
  return {
    id: row.id,
    name: row.name,
    user: userName,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? undefined,
    revokedAt: row.revokedAt ?? undefined,
    lastUsedAt: row.lastUsedAt ?? undefined,
  };
}
