/**
 * One run, live: its state machine, instances, timeline, an instance's log, parameters, journal and reports, and the
 * actions the caller's role allows. Everything comes from the run's WatchRun stream through a RunStore.
 */
import { useCallback, useState } from 'preact/hooks';
import { canDeploy, useCaller } from '../api/caller.js';
import { formatTime } from '../components/format.js';
import { href } from '../router.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';
import { InstanceLog } from '../run-view/instance-log.js';
import { InstancePicker } from '../run-view/instance-picker.js';
import { InstancesTable } from '../run-view/instances-table.js';
import { JournalPanel } from '../run-view/journal-panel.js';
import { LifecycleActions } from '../run-view/lifecycle-actions.js';
import { ParametersPanel } from '../run-view/parameters-panel.js';
import { ReportsPanel } from '../run-view/reports-panel.js';
import { useRunFeed } from '../run-view/run-feed.js';
import { ScaleActions } from '../run-view/scale-actions.js';
import { SetParameterForm } from '../run-view/set-parameter-form.js';
import { StateMachine } from '../run-view/state-machine.js';
import { Timeline } from '../run-view/timeline.js';
import { ProblemBanner } from '../components/problem.js';
import '../run-view/run-view.css';

export function RunView({ id }: { id: string }) {
  // A new run id is a new page: nothing of the previous run's store carries over.
  return <RunPage key={id} id={id} />;
}

function RunPage({ id }: { id: string }) {
  const caller = useCaller();
  const { store, parametersProblem, reloadParameters } = useRunFeed(id);
  const [followed, setFollowed] = useState<string>();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const isFinal = useCallback(() => store.isFinal, [store]);
  const run = store.run;
  const instances = store.orderedInstances();
  const logInstance = followed ?? instances[0]?.name;
  const live = !store.isFinal && store.state !== undefined;
  const deployer = canDeploy(caller) && live;
  const scalable = deployer && run?.scalable === true;

  const toggle = useCallback(
    (name: string) =>
      setSelected((current) => {
        const next = new Set(current);
        if (!next.delete(name)) next.add(name);
        return next;
      }),
    [],
  );

  if (!run) {
    return (
      <section class="run-view">
        <p>
          <a href={href({ page: 'runs' })}>Runs</a> / <span class="mono">{id}</span>
        </p>
        {store.connection.state === 'failed' ? <ProblemBanner problem={store.connection.problem} /> : <p class="loading">Loading run {id}…</p>}
      </section>
    );
  }

  return (
    <section class="run-view" data-testid="run-view" data-state={store.state}>
      <header class="run-header">
        <p class="crumbs">
          <a href={href({ page: 'runs' })}>Runs</a> / <span class="mono">{run.id}</span>
        </p>
        <h1>
          {run.module?.path}
          {run.module?.version ? <span class="muted">@{run.module.version}</span> : null}{' '}
          <span class="state" data-state={store.state}>
            {store.state}
          </span>
        </h1>
        <p class="run-facts muted">
          owner {run.owner} · created {formatTime(run.createdAt)}
          {run.finishedAt ? ` · finished ${formatTime(run.finishedAt)}` : ''} · timeout {run.timeoutMinutes} min
          {run.scalable ? ' · scalable' : ''}
          {run.tags.length ? ` · tags ${run.tags.join(', ')}` : ''} · <ConnectionIndicator connection={store.connection} />
        </p>
      </header>

      <StateMachine state={store.state} phases={store.phases} now={Date.now()} />
      {store.abortMessage && (
        <p class="abort-message" role="alert" data-testid="abort-message">
          Aborted: {store.abortMessage}
          {run.recoveryMode ? ' (recovery mode: only the controller advances the run)' : ''}
        </p>
      )}
      {run.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings" data-testid="warnings">
          {run.warnings.map((warning, i) => (
            <li key={i}>{warning}</li>
          ))}
        </ul>
      )}

      {deployer && (
        <div class="run-actions" data-testid="run-actions">
          <LifecycleActions runId={run.id} state={store.state} abortMessage={store.abortMessage} />
          {scalable && <ScaleActions runId={run.id} nodes={run.nodes.map((n) => n.name)} ready={store.state === 'Ready'} selected={selected} onRemoving={() => setSelected(new Set())} />}
          <SetParameterForm runId={run.id} keys={store.sortedParameterKeys()} />
        </div>
      )}

      <h2 id="instances-heading">
        Instances <span class="muted">({instances.length})</span>
      </h2>
      <InstancesTable rows={instances} changes={store.changes.instances} selected={scalable ? selected : undefined} onToggle={scalable ? toggle : undefined} followed={logInstance} onFollow={setFollowed} />

      <h2>Timeline</h2>
      <Timeline store={store} changes={store.changes.timeline} />

      <h2>Instance log</h2>
      {instances.length > 0 && <InstancePicker instances={instances} value={logInstance} onChange={setFollowed} />}
      {logInstance ? <InstanceLog runId={run.id} instance={logInstance} isFinal={isFinal} /> : <p class="muted">No instances yet.</p>}

      <h2>Parameters</h2>
      <ParametersPanel parameters={store.parameters} keys={store.sortedParameterKeys()} changes={store.changes.parameters} problem={parametersProblem} onReload={reloadParameters} />

      <h2>Events</h2>
      <JournalPanel entries={store.journal} changes={store.changes.journal} />

      <h2>Reports</h2>
      <ReportsPanel runId={run.id} refreshKey={store.state ?? ''} />
    </section>
  );
}
