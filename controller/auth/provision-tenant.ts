import type { Repositories } from '../store/repositories/index.js';
import type { TenantRow } from '../store/entities/tenant.js';
import type { UserRow } from '../store/entities/user.js';
import { hashTokenSecret, newTokenSecret } from './token-secret.js';

export interface NewTenantWithAdmin {
  name: string;
  displayName: string;
  operator: boolean;
  adminUser: string;
  /** Use this secret instead of generating one (bootstrap from the environment). */
  secret?: string;
}

/**
 * Creates a tenant, its first admin and that admin's first token, in the
 * caller's transaction. Returns the secret, which is never stored.
 */
export async function createTenantWithAdmin(
  repos: Repositories,
  input: NewTenantWithAdmin,
): Promise<{ tenant: TenantRow; admin: UserRow; secret: string }> {
  const tenant = await repos.tenants.create({ name: input.name, displayName: input.displayName, operator: input.operator });
  const admin = await repos.users.create(tenant.id, input.adminUser, 'admin');
  const secret = input.secret ?? newTokenSecret();
  await repos.tokens.create({
    tenantId: tenant.id,
    userId: admin.id,
    name: 'initial',
    secretHash: hashTokenSecret(secret),
    expiresAt: null,
  });
  return { tenant, admin, secret };
}
