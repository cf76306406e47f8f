/** Paired conversions of tenants, users, roles and tokens between wire and storage. */
import type { User } from '../../../proto/gen/slipstream/v1/users.js';
import type { Tenant } from '../../../proto/gen/slipstream/v1/tenants.js';
import type { Token } from '../../../proto/gen/slipstream/v1/tokens.js';
import type { Role } from '../../../common/roles.js';
import { roleToProto } from '../../../common/convert/roles.js';
import type { ApiTokenRow } from '../../store/entities/api-token.js';
import type { TenantRow } from '../../store/entities/tenant.js';
import type { UserRow } from '../../store/entities/user.js';

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
