/**
 * Stores the tenant's credential for one cloud: driver-specific fields (access key, client secret, ...) as name and
 * value pairs. Values are typed as passwords and never read back: no call returns a credential.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/clients.js';
import { useAction } from '../components/use-action.js';
import { FieldProblem } from '../components/problem.js';
import { FormProblem } from './field.js';

interface Entry {
  /** Stable across edits, for the rows' keys and ids. */
  id: number;
  name: string;
  value: string;
}

let nextEntryId = 1;
const entry = (): Entry => ({ id: nextEntryId++, name: '', value: '' });

export function CredentialForm({ cloud, onStored, onCancel }: { cloud: string; onStored: () => void; onCancel: () => void }) {
  const [entries, setEntries] = useState<Entry[]>(() => [entry()]);
  const { busy, problem, run } = useAction();
  const edit = (id: number, change: Partial<Entry>) => setEntries((all) => all.map((e) => (e.id === id ? { ...e, ...change } : e)));
  const submit = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const fields = Object.fromEntries(entries.filter((e) => e.name.trim() !== '').map((e) => [e.name.trim(), e.value]));
      await api.clouds.setCredential({ cloud, fields });
      onStored();
    });
  };
  const shown = ['cloud', 'fields', ...entries.map((e) => `fields.${e.name.trim()}`)];
  return (
    <form class="admin-form credential-form" aria-label={`Credential for ${cloud}`} onSubmit={submit}>
      <h3>Credential for {cloud}</h3>
      <p class="hint">Replaces the stored credential, if any. The fields depend on the cloud's driver (e.g. accessKeyId and secretAccessKey for ec2).</p>
      <fieldset aria-describedby="credential-fields-problem">
        <legend>Fields</legend>
        {entries.map((e, index) => (
          <div class="credential-entry" key={e.id}>
            <label for={`credential-name-${e.id}`}>Field {index + 1} name</label>
            <input
              id={`credential-name-${e.id}`}
              class="mono"
              autocomplete="off"
              spellcheck={false}
              value={e.name}
              aria-invalid={problem?.fields.has(`fields.${e.name.trim()}`) ? true : undefined}
              onInput={(ev) => edit(e.id, { name: ev.currentTarget.value })}
            />
            <label for={`credential-value-${e.id}`}>value</label>
            <input id={`credential-value-${e.id}`} type="password" autocomplete="new-password" value={e.value} onInput={(ev) => edit(e.id, { value: ev.currentTarget.value })} />
            <button type="button" aria-label={`Remove field ${index + 1}`} disabled={entries.length === 1} onClick={() => setEntries((all) => all.filter((x) => x.id !== e.id))}>
              Remove
            </button>
            <FieldProblem problem={problem} field={`fields.${e.name.trim()}`} />
          </div>
        ))}
        <span id="credential-fields-problem">
          <FieldProblem problem={problem} field="fields" />
        </span>
        <button type="button" onClick={() => setEntries((all) => [...all, entry()])}>
          Add a field
        </button>
      </fieldset>
      <FormProblem problem={problem} fields={shown} />
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Storing…' : 'Store credential'}
        </button>
      </div>
    </form>
  );
}
