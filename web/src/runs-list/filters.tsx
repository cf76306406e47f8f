/**
 * The run list's filters, the ones WatchRuns applies on the server: any of the chosen states (none = all), one tag,
 * a module path prefix. Kept in the page's state (the router has no query part to keep them in).
 */
import type { RunState } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { RUN_STATES, stateName } from '../components/run-states.js';

export interface RunFilters {
  states: RunState[];
  tag: string;
  module: string;
}

export const NO_FILTERS: RunFilters = { states: [], tag: '', module: '' };

export function FilterBar({ filters, onChange }: { filters: RunFilters; onChange: (filters: RunFilters) => void }) {
  const toggle = (state: RunState, on: boolean) => {
    const states = on ? [...filters.states, state] : filters.states.filter((s) => s !== state);
    onChange({ ...filters, states: RUN_STATES.filter((s) => states.includes(s)) });
  };
  const filtered = filters.states.length > 0 || filters.tag !== '' || filters.module !== '';
  return (
    <form class="run-filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <fieldset class="run-filter-states">
        <legend>State</legend>
        {RUN_STATES.map((state) => (
          <label key={state} class="state-choice">
            <input type="checkbox" checked={filters.states.includes(state)} onChange={(e) => toggle(state, e.currentTarget.checked)} />
            {stateName(state)}
          </label>
        ))}
      </fieldset>
      <label class="run-filter-text">
        Tag
        <input type="search" name="tag" value={filters.tag} spellcheck={false} onInput={(e) => onChange({ ...filters, tag: e.currentTarget.value })} />
      </label>
      <label class="run-filter-text">
        Module path prefix
        <input
          type="search"
          name="module"
          value={filters.module}
          spellcheck={false}
          placeholder="shop/"
          onInput={(e) => onChange({ ...filters, module: e.currentTarget.value })}
        />
      </label>
      <button type="button" disabled={!filtered} onClick={() => onChange(NO_FILTERS)}>
        Clear filters
      </button>
    </form>
  );
}
