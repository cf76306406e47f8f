import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { createTenantWithAdmin } from './provision-tenant.js';

export interface BootstrapOptions {
  tenant: string;
  admin: string;
  /** Given secret (from the environment); otherwise one is generated. */
  token: string | undefined;
}

/**
 * On first start with an empty database, creates the operator tenant and its
 * admin. Returns the generated secret so the caller can show it once; returns
 * undefined when the database already had tenants or the secret was given.
 */
export async function bootstrapOperator(store: Store, options: BootstrapOptions, log: Logger): Promise<string | undefined> {
  return store.write(async (repos) => {
    if ((await repos.tenants.count()) > 0) return undefined;
    const { secret } = await createTenantWithAdmin(repos, {
      name: options.tenant,
      displayName: options.tenant,
      operator: true,
      adminUser: options.admin,
      ...(options.token ? { secret: options.token } : {}),
    });
    log.info({ tenant: options.tenant, user: options.admin, tokenFromEnvironment: Boolean(options.token) }, 'bootstrap admin created');
    return options.token ? undefined : secret;
  });
}
