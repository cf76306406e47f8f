/**
 * The run's states as people read them (domain.md "Runs"), in the order a run goes through them, and which of them
 * are barriers: every instance completes them before the run moves on.
 */
import { RunState } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';

export type StateName = 'Initializing' | 'Provisioning' | 'Executing' | 'SendingReports' | 'Ready' | 'Finalizing' | 'Done' | 'Aborted' | 'Cancelled';

/** The happy path, left to right. */
export const STATE_PATH: readonly StateName[] = ['Initializing', 'Provisioning', 'Executing', 'SendingReports', 'Ready', 'Finalizing', 'Done'];
/** The final states off the happy path. */
export const STATE_EXITS: readonly StateName[] = ['Aborted', 'Cancelled'];
/** The states each instance completes (the barrier rule): a timeline bar each. */
export const BARRIER_STATES: readonly StateName[] = ['Provisioning', 'Executing', 'SendingReports'];

const BY_ENUM: Record<number, StateName> = {
  [RunState.INITIALIZING]: 'Initializing',
  [RunState.PROVISIONING]: 'Provisioning',
  [RunState.EXECUTING]: 'Executing',
  [RunState.SENDING_REPORTS]: 'SendingReports',
  [RunState.READY]: 'Ready',
  [RunState.FINALIZING]: 'Finalizing',
  [RunState.DONE]: 'Done',
  [RunState.ABORTED]: 'Aborted',
  [RunState.CANCELLED]: 'Cancelled',
};

/** The state's name, or undefined for UNSPECIFIED and values newer than this page. */
export function stateName(state: RunState): StateName | undefined {
  return BY_ENUM[state];
}

/** A `complete` parameter's state (`Executing` in `Executing@4`), when it names one. */
export function parseStateName(text: string): StateName | undefined {
  return (STATE_PATH as readonly string[]).includes(text) || (STATE_EXITS as readonly string[]).includes(text) ? (text as StateName) : undefined;
}

/** Done, Aborted, Cancelled: nothing more happens to the run. */
export function isFinalState(state: StateName | undefined): boolean {
  return state === 'Done' || state === 'Aborted' || state === 'Cancelled';
}

/** Words for a state name: `SendingReports` -> `Sending reports`. */
export function stateLabel(state: StateName): string {
  return state.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').replace(/ ([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`);
}

/** Every state a run can be in, in the order a run passes through them (the runs list's filter offers them so). */
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
