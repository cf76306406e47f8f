/**
 * A tenant's quotas: concurrent instances allowed and in use per cloud. Operator admins choose the tenant and set
 * quotas; other admins read their own tenant's.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/clients.js';
import { useCaller } from '../api/caller.js';
import { ProblemBanner } from '../components/problem.js';
import { QuotaForm } from './quota-form.js';
import { listAllTenants } from './tenants-api.js';
import { useLoaded } from './use-loaded.js';

/** ListQuotas' max_instances of a quota that is no limit. */
const NO_LIMIT = -1;

export function QuotasSection() {
  const caller = useCaller();
  const [tenant, setTenant] = useState(caller.tenant);
  const [notice, setNotice] = useState('');
  const quotas = useLoaded(async () => (await api.clouds.listQuotas({ tenant })).quotas, tenant);
  const clouds = useLoaded(async () => (await api.clouds.listClouds({})).clouds.map((c) => c.name));
  const tenants = useLoaded(async () => (caller.operatorTenant ? (await listAllTenants()).map((t) => t.name) : [caller.tenant]));
  return (
    <section aria-labelledby="quotas-title">
      <h2 id="quotas-title" class="visually-hidden">
        Quotas
      </h2>
      {caller.operatorTenant && (
        <div class="toolbar">
          <label>
            Tenant{' '}
            <select value={tenant} onChange={(e) => setTenant(e.currentTarget.value)}>
              {(tenants.data ?? [caller.tenant]).map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <ProblemBanner problem={quotas.problem ?? clouds.problem ?? tenants.problem} />
      <p class="notice" role="status">
        {notice}
      </p>
      {quotas.data && (
        <table class="admin-table" aria-label={`Quotas of ${tenant}`}>
          <thead>
            <tr>
              <th scope="col">Cloud</th>
              <th scope="col">Maximum instances</th>
              <th scope="col">In use</th>
            </tr>
          </thead>
          <tbody>
            {quotas.data.map((quota) => (
              <tr key={quota.cloud} data-cloud={quota.cloud}>
                <td>{quota.cloud}</td>
                <td>{quota.maxInstances === NO_LIMIT ? 'no limit' : quota.maxInstances}</td>
                <td>{quota.usedInstances}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {quotas.data?.length === 0 && <p class="muted">No quotas: {tenant} may use every cloud without a limit.</p>}
      {caller.operatorTenant ? (
        clouds.data && (
          <QuotaForm
            key={tenant}
            tenant={tenant}
            clouds={clouds.data}
            onSet={(summary) => {
              setNotice(summary);
              quotas.reload();
            }}
          />
        )
      ) : (
        <p class="hint">Quotas are set by the admins of the operator tenant.</p>
      )}
    </section>
  );
}
