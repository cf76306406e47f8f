/** Run states as people read them (`SendingReports`, as the CLI prints them), and which of them are final. */
import { RunState } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';

/** Every state a run can be in, in the order a run passes through them (the filter offers them so). */
export const RUN_STATES: readonly RunState[] = [
  RunState.INITIALIZING,
  RunState.PROVISIONING,
  RunState.EXECUTING,
  RunState.SENDING_REPORTS,
  RunState.READY,
  RunState.FINALIZING,
  RunState.DONE,
  RunState.ABORTED,
  RunState.CANCELLED,
];

const FINAL: ReadonlySet<RunState> = new Set([RunState.DONE, RunState.ABORTED, RunState.CANCELLED]);

/** `SendingReports` for SENDING_REPORTS: the name the CLI prints and the stylesheet's `data-state` keys on. */
export function runStateName(state: RunState): string {
  const constant = RunState[state] ?? 'UNSPECIFIED';
  return constant
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** Done, Aborted and Cancelled: the run will not change state any more. */
export function isFinal(state: RunState): boolean {
  return FINAL.has(state);
}
