/** How tenants, users and tokens look in listings and JSON output. */
import { roleFromProto } from '../../../common/convert/roles.js';
import type { Tenant } from '../../../proto/gen/slipstream/v1/tenants.js';
import type { Token } from '../../../proto/gen/slipstream/v1/tokens.js';
import type { User } from '../../../proto/gen/slipstream/v1/users.js';
import { formatTime, type Column } from '../output.js';

/** A tenant for output. */
export interface TenantView {
  name: string;
  displayName: string;
  operator: boolean;
  createdAt: string;
}

/** Wire tenant -> output shape. */
export function tenantView(t: Tenant | undefined): TenantView {
  return { name: t?.name ?? '', displayName: t?.displayName ?? '', operator: t?.operator ?? false, createdAt: formatTime(t?.createdAt) };
}

export const TENANT_COLUMNS: Column<TenantView>[] = [
  { header: 'name', value: (t) => t.name },
  { header: 'display name', value: (t) => t.displayName },
  { header: 'operator', value: (t) => (t.operator ? 'yes' : '') },
  { header: 'created', value: (t) => t.createdAt },
];

/** A user for output; `role` as users type it (`editor`). */
export interface UserView {
  name: string;
  role: string;
  tenant: string;
  createdAt: string;
}

/** Wire user -> output shape. */
export function userView(u: User | undefined): UserView {
  return {
    name: u?.name ?? '',
    role: (u && roleFromProto(u.role)) ?? 'unknown',
    tenant: u?.tenant ?? '',
    createdAt: formatTime(u?.createdAt),
  };
}

export const USER_COLUMNS: Column<UserView>[] = [
  { header: 'name', value: (u) => u.name },
  { header: 'role', value: (u) => u.role },
  { header: 'tenant', value: (u) => u.tenant },
  { header: 'created', value: (u) => u.createdAt },
];

/** A token for output (never its secret). */
export interface TokenView {
  id: string;
  name: string;
  user: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string;
  revokedAt: string;
}

/** Wire token -> output shape. */
export function tokenView(t: Token | undefined): TokenView {
  return {
    id: t?.id ?? '',
    name: t?.name ?? '',
    user: t?.user ?? '',
    createdAt: formatTime(t?.createdAt),
    expiresAt: formatTime(t?.expiresAt),
    lastUsedAt: formatTime(t?.lastUsedAt),
    revokedAt: formatTime(t?.revokedAt),
  };
}

export const TOKEN_COLUMNS: Column<TokenView>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'user', value: (t) => t.user },
  { header: 'created', value: (t) => t.createdAt },
  { header: 'expires', value: (t) => t.expiresAt || 'never' },
  { header: 'last used', value: (t) => t.lastUsedAt },
  { header: 'revoked', value: (t) => t.revokedAt },
];

/** Fields of one object as `label, value` pairs, for printRecord. */
export function recordFields<V extends object>(view: V, columns: readonly Column<V>[]): [string, string][] {
  return columns.map((c) => [c.header, c.value(view)]);
}
