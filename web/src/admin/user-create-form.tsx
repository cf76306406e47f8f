/** Creates a user of the tenant with a role; the server's violations show at the name and role fields. */
import { useState } from 'preact/hooks';
import { Role } from '../../../proto/gen/es/slipstream/v1/users_pb.js';
import { api } from '../api/clients.js';
import { useAction } from '../components/use-action.js';
import { Field, FormProblem, fieldAttributes } from './field.js';
import { RoleOptions, roleOf } from './roles.js';

const FIELDS = ['name', 'role'] as const;

export function UserCreateForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(Role.VIEWER);
  const { busy, problem, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const created = await api.users.createUser({ name: name.trim(), role });
      setName('');
      onCreated(created.user?.name ?? name.trim());
    });
  };
  return (
    <form class="admin-form" aria-label="Create a user" onSubmit={submit}>
      <h2>Create a user</h2>
      <div class="admin-form-row">
        <Field id="user-name" label="Name" field="name" problem={problem}>
          <input {...fieldAttributes('user-name', 'name', problem)} name="name" autocomplete="off" spellcheck={false} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="user-role" label="Role" field="role" problem={problem}>
          <select {...fieldAttributes('user-role', 'role', problem)} name="role" value={String(role)} onChange={(e) => setRole(roleOf(e.currentTarget.value))}>
            <RoleOptions detailed />
          </select>
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </div>
      <FormProblem problem={problem} fields={FIELDS} />
      <p class="hint">Then create a token for them in Tokens: they sign in with it.</p>
    </form>
  );
}
