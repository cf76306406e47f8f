/** Sets one runtime parameter of a live run (an input mapped from it gets the value at once, on the controller). */
import { useState } from 'preact/hooks';
import { api } from '../api/clients.js';
import { FieldProblem, ProblemBanner } from '../components/problem.js';
import { useAction } from '../components/use-action.js';

export function SetParameterForm({ runId, keys }: { runId: string; keys: readonly string[] }) {
  const action = useAction();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [done, setDone] = useState('');
  const invalid = (field: string) => action.problem?.fields.has(field) ?? false;

  const submit = async () => {
    setDone('');
    if (await action.run(() => api.runs.setRunParameter({ id: runId, key: key.trim(), value }))) setDone(`${key.trim()} set.`);
  };

  return (
    <section class="actions-group" aria-label="Set a parameter">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Parameter key{' '}
          <input name="key" list="run-parameter-keys" value={key} required spellcheck={false} aria-invalid={invalid('key')} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <FieldProblem problem={action.problem} field="key" />
        <label>
          Value{' '}
          <input name="value" value={value} spellcheck={false} aria-invalid={invalid('value')} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <FieldProblem problem={action.problem} field="value" />
        <button type="submit" disabled={action.busy || key.trim() === ''}>
          Set
        </button>
        <span class="muted" role="status">
          {done}
        </span>
      </form>
      <datalist id="run-parameter-keys">
        {suggestionsFor(keys, key).map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      <ProblemBanner problem={action.problem} />
    </section>
  );
}

/** A few known keys that start with what is typed: a datalist of a 1,000-instance run's 30,000 keys would stall typing. */
function suggestionsFor(keys: readonly string[], typed: string): string[] {
  const found: string[] = [];
  for (const k of keys) {
    if (k.startsWith(typed)) found.push(k);
    if (found.length === 50) break;
  }
  return found;
}
