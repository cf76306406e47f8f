/**
 * Ordering of (epoch, state) pairs and the names the agent shows for states.
 * Within an epoch, states are ordered by their RunState number; a higher
 * epoch is always newer.
 */
import { RunState } from '../proto/gen/slipstream/v1/runs.js';

/** A state of one epoch of the run. */
export interface EpochState {
  epoch: number;
  state: RunState;
}

/** <0 when a is older than b, 0 when equal, >0 when a is newer. */
export function compareEpochState(a: EpochState, b: EpochState): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return a.state - b.state;
}

/** States after which the agent has nothing left to do: it stops its scripts and exits. */
export function isEndState(state: RunState): boolean {
  return state === RunState.RUN_STATE_FINALIZING || isFinalState(state);
}

/** Done, Aborted, Cancelled. */
export function isFinalState(state: RunState): boolean {
  return state === RunState.RUN_STATE_DONE || state === RunState.RUN_STATE_ABORTED || state === RunState.RUN_STATE_CANCELLED;
}

/** Provisioning, Executing, SendingReports, Ready: the states the agent completes. */
export function isAgentState(state: RunState): boolean {
  return state >= RunState.RUN_STATE_PROVISIONING && state <= RunState.RUN_STATE_READY;
}

const NAMES: Record<RunState, string> = {
  [RunState.RUN_STATE_UNSPECIFIED]: 'Unspecified',
  [RunState.RUN_STATE_INITIALIZING]: 'Initializing',
  [RunState.RUN_STATE_PROVISIONING]: 'Provisioning',
  [RunState.RUN_STATE_EXECUTING]: 'Executing',
  [RunState.RUN_STATE_SENDING_REPORTS]: 'SendingReports',
  [RunState.RUN_STATE_READY]: 'Ready',
  [RunState.RUN_STATE_FINALIZING]: 'Finalizing',
  [RunState.RUN_STATE_DONE]: 'Done',
  [RunState.RUN_STATE_ABORTED]: 'Aborted',
  [RunState.RUN_STATE_CANCELLED]: 'Cancelled',
  [RunState.UNRECOGNIZED]: 'Unrecognized',
};

/** SlipStream's name of a state (`SendingReports`), as in SLIPSTREAM_STATE and logs. */
export function stateName(state: RunState): string {
  return NAMES[state] ?? `State${state}`;
}
