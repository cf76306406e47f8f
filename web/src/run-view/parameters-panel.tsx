/**
 * The run's runtime parameters, filtered by a key prefix. Values are shown as the API gives them: a password is
 * masked (`********`) and never revealed from here (a reveal is an audited, deliberate act: the CLI's `--reveal`).
 */
import { memo } from 'preact/compat';
import { useState } from 'preact/hooks';
import type { ApiProblem } from '../api/errors.js';
import { formatMs } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import type { ParameterRow } from './run-store.js';

/** More rows than this are not rendered: a narrower prefix finds the rest. */
const MOST_SHOWN = 500;

export interface ParametersPanelProps {
  parameters: ReadonlyMap<string, ParameterRow>;
  /** The keys in order (RunStore.sortedParameterKeys). */
  keys: readonly string[];
  /** RunStore.changes.parameters: a new value re-renders the panel. */
  changes: number;
  problem: ApiProblem | undefined;
  onReload: () => void;
}

export const ParametersPanel = memo(function ParametersPanel({ parameters, keys, problem, onReload }: ParametersPanelProps) {
  const [prefix, setPrefix] = useState('');
  const matching = prefix ? keys.filter((key) => key.startsWith(prefix)) : keys;
  const shown = matching.slice(0, MOST_SHOWN).map((key) => parameters.get(key)!);
  return (
    <div class="parameters">
      <div class="toolbar">
        <label>
          Key prefix{' '}
          <input type="search" value={prefix} placeholder="web.1: or ss:" spellcheck={false} onInput={(e) => setPrefix((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <span class="muted" aria-live="polite">
          {matching.length === shown.length ? `${matching.length} parameters` : `${shown.length} of ${matching.length} parameters shown: narrow the prefix`}
        </span>
        <button type="button" onClick={onReload}>
          Reload
        </button>
      </div>
      <ProblemBanner problem={problem} />
      <div class="table-scroll">
        <table data-testid="parameters">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Updated</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.key} data-key={p.key} data-secret={p.secret || undefined}>
                <th scope="row" class="mono">
                  {p.key}
                </th>
                <td class="mono value">
                  {p.set ? p.value : <span class="muted">not set</span>}
                  {p.secret && <span class="badge">password</span>}
                </td>
                <td class="nowrap">{formatMs(p.updatedAt)}</td>
                <td>{p.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
});
