/** Sets a tenant's quota on a cloud: at most N concurrent instances, or no limit (SetQuota: operator admins only). */
import { useState } from 'preact/hooks';
import { Code } from '@connectrpc/connect';
import { api } from '../api/clients.js';
import { useAction } from '../components/use-action.js';
import { Field, FormProblem, fieldAttributes } from './field.js';

const FIELDS = ['tenant', 'cloud', 'max_instances'] as const;

export function QuotaForm({ tenant, clouds, onSet }: { tenant: string; clouds: string[]; onSet: (summary: string) => void }) {
  const [cloud, setCloud] = useState(clouds[0] ?? '');
  const [maxInstances, setMaxInstances] = useState('10');
  const [unlimited, setUnlimited] = useState(false);
  const { busy, problem, run, refuse } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const max = Number(maxInstances);
    if (!unlimited && (maxInstances.trim() === '' || !Number.isInteger(max) || max < 0)) {
      refuse({ code: Code.InvalidArgument, message: 'Maximum instances must be a whole number, 0 or more.', fields: new Map([['max_instances', ['must be a whole number, 0 or more (or choose no limit)']]]) });
      return;
    }
    await run(async () => {
      await api.clouds.setQuota({ tenant, cloud, maxInstances: unlimited ? 0 : max, unlimited });
      onSet(unlimited ? `${tenant} has no limit on ${cloud}.` : `${tenant} may run at most ${max} instance(s) on ${cloud}.`);
    });
  };
  return (
    <form class="admin-form" aria-label="Set a quota" onSubmit={submit}>
      <h2>Set a quota of {tenant}</h2>
      <div class="admin-form-row">
        <Field id="quota-cloud" label="Cloud" field="cloud" problem={problem}>
          <select {...fieldAttributes('quota-cloud', 'cloud', problem)} name="cloud" value={cloud} onChange={(e) => setCloud(e.currentTarget.value)}>
            {clouds.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="quota-max" label="Maximum instances" field="max_instances" problem={problem}>
          <input
            {...fieldAttributes('quota-max', 'max_instances', problem)}
            name="max_instances"
            type="number"
            min={0}
            step={1}
            inputMode="numeric"
            disabled={unlimited}
            value={maxInstances}
            onInput={(e) => setMaxInstances(e.currentTarget.value)}
          />
        </Field>
        <label class="inline-check">
          <input type="checkbox" checked={unlimited} onChange={(e) => setUnlimited(e.currentTarget.checked)} /> No limit
        </label>
        <button type="submit" class="primary" disabled={busy || !cloud}>
          {busy ? 'Setting…' : 'Set quota'}
        </button>
      </div>
      <FormProblem problem={problem} fields={FIELDS} />
    </form>
  );
}
