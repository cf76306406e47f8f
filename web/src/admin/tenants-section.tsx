/** The controller's tenants (operator admins only): listed, and one created with its first admin's token shown once. */
import { useState } from 'preact/hooks';
import { formatTime } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import { SecretDialog } from './secret-dialog.js';
import { TenantCreateForm } from './tenant-create-form.js';
import { listAllTenants } from './tenants-api.js';
import { useLoaded } from './use-loaded.js';

export function TenantsSection() {
  const tenants = useLoaded(listAllTenants);
  const [created, setCreated] = useState<{ tenant: string; adminUser: string; token: string } | undefined>(undefined);
  return (
    <section aria-labelledby="tenants-title">
      <h2 id="tenants-title" class="visually-hidden">
        Tenants
      </h2>
      <ProblemBanner problem={tenants.problem} />
      {tenants.data && (
        <table class="admin-table" aria-label="Tenants">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Display name</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {tenants.data.map((tenant) => (
              <tr key={tenant.name} data-tenant={tenant.name}>
                <td>
                  {tenant.name}
                  {tenant.operator && <span class="muted"> (operator)</span>}
                </td>
                <td>{tenant.displayName}</td>
                <td>{formatTime(tenant.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <TenantCreateForm
        onCreated={(response, adminUser) => {
          setCreated({ tenant: response.tenant?.name ?? '', adminUser, token: response.adminToken });
          tenants.reload();
        }}
      />
      {created && (
        <SecretDialog title={`Token of ${created.adminUser}, first admin of ${created.tenant}`} secret={created.token} onClose={() => setCreated(undefined)} />
      )}
    </section>
  );
}
