/**
 * The tenant's runs, live: WatchRuns pushes each launch and change (no polling, no reload), through controller
 * restarts. Filters by state, tag and module prefix; each row links to the run's page.
 */
import { useState } from 'preact/hooks';
import { Code } from '@connectrpc/connect';
import type { Connection } from '../api/follow.js';
import { ProblemBanner } from '../components/problem.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';
import { EmptyRuns } from '../runs-list/empty-runs.js';
import { FilterBar, NO_FILTERS, type RunFilters } from '../runs-list/filters.js';
import { RunsTable } from '../runs-list/runs-table.js';
import { RUN_LIST_LIMIT, useWatchedRuns } from '../runs-list/use-watched-runs.js';
import { useSettled } from '../runs-list/use-settled.js';
import '../runs-list/runs-list.css';

/** How long the filters must stay unchanged before the stream reopens with them. */
const FILTER_PAUSE_MS = 300;

export function RunsList() {
  const [filters, setFilters] = useState<RunFilters>(NO_FILTERS);
  const settled = useSettled(filters, FILTER_PAUSE_MS);
  const { runs, synced, catchingUp, connection } = useWatchedRuns(settled);
  const filtered = settled.states.length > 0 || settled.tag.trim() !== '' || settled.module.trim() !== '';
  return (
    <section aria-labelledby="runs-title">
      <div class="runs-list-head">
        <h1 id="runs-title">Runs</h1>
        {synced && (
          <span class="count" data-testid="run-count">
            {runs.length === 1 ? '1 run' : `${runs.length} runs`}
          </span>
        )}
        <ConnectionIndicator connection={connection} />
      </div>
      <FilterBar filters={filters} onChange={setFilters} />
      <WatchProblem connection={connection} />
      {runs.length > 0 ? <RunsTable runs={runs} stale={catchingUp} /> : synced ? <EmptyRuns filtered={filtered} /> : connection.state !== 'failed' && <p class="loading">Loading runs…</p>}
      {runs.length >= RUN_LIST_LIMIT && <p class="runs-more">The newest {RUN_LIST_LIMIT} runs, and the older ones as they change; narrow the filters to see others.</p>}
    </section>
  );
}

/** Why the list stopped updating, when it did for good; a passing outage is the indicator's "Reconnecting…". */
function WatchProblem({ connection }: { connection: Connection }) {
  if (connection.state !== 'failed') return null;
  if (connection.problem.code === Code.Unimplemented) {
    return (
      <p class="problem" role="alert">
        This controller does not offer the live run list (RunService.WatchRuns is not implemented by it): upgrade the controller, or use{' '}
        <code>slipstream run list</code>.
      </p>
    );
  }
  return <ProblemBanner problem={connection.problem} />;
}
