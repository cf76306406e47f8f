/** The runs as a table: one row per run, linking to its page; a live run's duration ticks. */
import type { Run } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { dateOf, formatDuration, formatTime } from '../components/format.js';
import { href } from '../router.js';
import { isFinalState, stateName } from '../components/run-states.js';
import { useNow } from './use-now.js';

/** `stale`: a (re)opened stream has not yet sent the current runs; the rows are dimmed and marked busy until it has. */
export function RunsTable({ runs, stale }: { runs: Run[]; stale: boolean }) {
  const now = useNow(runs.some((run) => !isFinalState(stateName(run.state))));
  return (
    <table class="runs-table" aria-label="Runs" aria-busy={stale ? true : undefined} data-stale={stale ? '' : undefined}>
      <thead>
        <tr>
          <th scope="col">State</th>
          <th scope="col">Module</th>
          <th scope="col">Tags</th>
          <th scope="col">Owner</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <RunRow key={run.id} run={run} now={now} />
        ))}
      </tbody>
    </table>
  );
}

function RunRow({ run, now }: { run: Run; now: number }) {
  const state = stateName(run.state) ?? 'Unspecified';
  const started = dateOf(run.createdAt);
  const ended = isFinalState(stateName(run.state)) ? (dateOf(run.finishedAt) ?? dateOf(run.stateChangedAt)) : undefined;
  const duration = started ? formatDuration((ended?.getTime() ?? now) - started.getTime()) : '';
  const module = run.module ? `${run.module.path}@${run.module.version}` : '';
  return (
    <tr data-run-id={run.id}>
      <td>
        <span class="state" data-state={state} data-testid="run-state" title={run.abortMessage || undefined}>
          {state}
        </span>
        {run.abortMessage && !isFinalState(stateName(run.state)) && <span class="abort-flag"> abort requested</span>}
      </td>
      <td>
        <a href={href({ page: 'run', id: run.id })} class="mono">
          {module}
        </a>
        <div class="run-id mono muted">{run.id}</div>
      </td>
      <td>
        <ul class="tags" aria-label="Tags">
          {run.tags.map((tag) => (
            <li key={tag}>{tag}</li>
          ))}
        </ul>
      </td>
      <td>{run.owner}</td>
      <td>
        <time dateTime={started?.toISOString()}>{formatTime(started)}</time>
      </td>
      <td class="duration">{duration}</td>
    </tr>
  );
}
