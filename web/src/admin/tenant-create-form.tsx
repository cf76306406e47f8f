/** Creates a tenant with its first admin (CreateTenant: operator admins only); hands that admin's token up once. */
import { useState } from 'preact/hooks';
import type { CreateTenantResponse } from '../../../proto/gen/es/slipstream/v1/tenants_pb.js';
import { api } from '../api/clients.js';
import { useAction } from '../components/use-action.js';
import { Field, FormProblem, fieldAttributes } from './field.js';

const FIELDS = ['name', 'display_name', 'admin_user'] as const;

export function TenantCreateForm({ onCreated }: { onCreated: (created: CreateTenantResponse, adminUser: string) => void }) {
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [adminUser, setAdminUser] = useState('admin');
  const { busy, problem, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const created = await api.tenants.createTenant({ name: name.trim(), displayName: displayName.trim(), adminUser: adminUser.trim() });
      setName('');
      setDisplayName('');
      onCreated(created, adminUser.trim() || 'admin');
    });
  };
  return (
    <form class="admin-form" aria-label="Create a tenant" onSubmit={submit}>
      <h2>Create a tenant</h2>
      <div class="admin-form-row">
        <Field id="tenant-name" label="Name" field="name" problem={problem}>
          <input {...fieldAttributes('tenant-name', 'name', problem)} name="name" autocomplete="off" spellcheck={false} placeholder="team-a" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="tenant-display-name" label="Display name" field="display_name" problem={problem}>
          <input {...fieldAttributes('tenant-display-name', 'display_name', problem)} name="display_name" autocomplete="off" value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </Field>
        <Field id="tenant-admin" label="First admin" field="admin_user" problem={problem}>
          <input {...fieldAttributes('tenant-admin', 'admin_user', problem)} name="admin_user" autocomplete="off" spellcheck={false} value={adminUser} onInput={(e) => setAdminUser(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create tenant'}
        </button>
      </div>
      <FormProblem problem={problem} fields={FIELDS} />
    </form>
  );
}
