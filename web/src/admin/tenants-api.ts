/** Every tenant the caller may see (all of them for operator admins), through all pages of ListTenants. */
import type { Tenant } from '../../../proto/gen/es/slipstream/v1/tenants_pb.js';
import { api } from '../api/clients.js';

export async function listAllTenants(): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  let pageToken = '';
  do {
    const page = await api.tenants.listTenants({ pageToken });
    tenants.push(...page.tenants);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return tenants;
}
