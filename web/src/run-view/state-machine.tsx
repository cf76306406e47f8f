/**
 * The run's state machine as a row of steps, the current one highlighted, the ones the run went through marked with
 * the time it spent in them; Aborted and Cancelled beside the path.
 */
import { formatDuration } from '../components/format.js';
import type { PhaseSpan } from './run-store.js';
import { STATE_EXITS, STATE_PATH, isFinalState, stateLabel, type StateName } from '../components/run-states.js';

export function StateMachine({ state, phases, now }: { state: StateName | undefined; phases: readonly PhaseSpan[]; now: number }) {
  const spent = new Map<StateName, number>();
  for (const phase of phases) {
    if (isFinalState(phase.state)) continue;
    spent.set(phase.state, (spent.get(phase.state) ?? 0) + ((phase.end ?? now) - phase.start));
  }
  const step = (name: StateName) => {
    const current = name === state;
    const visited = spent.has(name) || current;
    return (
      <li key={name} class="step" data-state={name} data-current={current || undefined} data-visited={visited || undefined} aria-current={current ? 'step' : undefined}>
        <span class="step-name">{stateLabel(name)}</span>
        <span class="step-time">{spent.has(name) ? formatDuration(spent.get(name)!) : '\u00a0'}</span>
      </li>
    );
  };
  return (
    <div class="state-machine" data-testid="state-machine" data-state={state}>
      <ol aria-label="Run states">{STATE_PATH.map(step)}</ol>
      <ol class="exits" aria-label="Ending off the path">
        {STATE_EXITS.map(step)}
      </ol>
    </div>
  );
}
