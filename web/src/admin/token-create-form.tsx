/** Creates a token for a user of the tenant (the caller by default) with a lifetime; hands the secret up once. */
import { useState } from 'preact/hooks';
import type { CreateTokenResponse } from '../../../proto/gen/es/slipstream/v1/tokens_pb.js';
import { api } from '../api/clients.js';
import { useAction } from '../components/use-action.js';
import { Field, FormProblem, fieldAttributes } from './field.js';
import { TOKEN_LIFETIMES } from './expiry.js';

const FIELDS = ['name', 'user', 'ttl_seconds'] as const;

export function TokenCreateForm({ users, me, onCreated }: { users: string[]; me: string; onCreated: (created: CreateTokenResponse) => void }) {
  const [name, setName] = useState('');
  const [user, setUser] = useState(me);
  const [ttlSeconds, setTtlSeconds] = useState(TOKEN_LIFETIMES[0]!.seconds);
  const { busy, problem, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const created = await api.tokens.createToken({ name: name.trim(), user, ttlSeconds: BigInt(ttlSeconds) });
      setName('');
      onCreated(created);
    });
  };
  return (
    <form class="admin-form" aria-label="Create a token" onSubmit={submit}>
      <h2>Create a token</h2>
      <div class="admin-form-row">
        <Field id="token-name" label="Name" field="name" problem={problem}>
          <input {...fieldAttributes('token-name', 'name', problem)} name="name" autocomplete="off" placeholder="ci-deploy" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="token-user" label="For user" field="user" problem={problem}>
          <select {...fieldAttributes('token-user', 'user', problem)} name="user" value={user} onChange={(e) => setUser(e.currentTarget.value)}>
            {(users.includes(me) ? users : [me, ...users]).map((name) => (
              <option key={name} value={name}>
                {name === me ? `${name} (you)` : name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="token-ttl" label="Expires" field="ttl_seconds" problem={problem}>
          <select {...fieldAttributes('token-ttl', 'ttl_seconds', problem)} name="ttl" value={String(ttlSeconds)} onChange={(e) => setTtlSeconds(Number(e.currentTarget.value))}>
            {TOKEN_LIFETIMES.map((lifetime) => (
              <option key={lifetime.seconds} value={String(lifetime.seconds)}>
                {lifetime.label}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </div>
      <FormProblem problem={problem} fields={FIELDS} />
    </form>
  );
}
