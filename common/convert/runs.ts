/** Paired conversions of the run states and keep-running policies between wire and domain. */
import * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { RUN_STATES, type KeepRunning, type RunState } from '../runs/states.js';

const STATE_TO_PROTO: Record<RunState, pb.RunState> = {
  Initializing: pb.RunState.RUN_STATE_INITIALIZING,
  Provisioning: pb.RunState.RUN_STATE_PROVISIONING,
  Executing: pb.RunState.RUN_STATE_EXECUTING,
  SendingReports: pb.RunState.RUN_STATE_SENDING_REPORTS,
  Ready: pb.RunState.RUN_STATE_READY,
  Finalizing: pb.RunState.RUN_STATE_FINALIZING,
  Done: pb.RunState.RUN_STATE_DONE,
  Aborted: pb.RunState.RUN_STATE_ABORTED,
  Cancelled: pb.RunState.RUN_STATE_CANCELLED,
};
const STATE_FROM_PROTO = new Map(RUN_STATES.map((s) => [STATE_TO_PROTO[s], s]));

const KEEP_TO_PROTO: Record<KeepRunning, pb.KeepRunning> = {
  never: pb.KeepRunning.KEEP_RUNNING_NEVER,
  always: pb.KeepRunning.KEEP_RUNNING_ALWAYS,
  'on-success': pb.KeepRunning.KEEP_RUNNING_ON_SUCCESS,
  'on-error': pb.KeepRunning.KEEP_RUNNING_ON_ERROR,
};
const KEEP_FROM_PROTO = new Map(Object.entries(KEEP_TO_PROTO).map(([k, v]) => [v, k as KeepRunning]));

export function runStateToProto(state: RunState): pb.RunState {
  return STATE_TO_PROTO[state];
}

/** Undefined for UNSPECIFIED and unknown numbers. */
export function runStateFromProto(state: pb.RunState): RunState | undefined {
  return STATE_FROM_PROTO.get(state);
}

export function keepRunningToProto(keep: KeepRunning): pb.KeepRunning {
  return KEEP_TO_PROTO[keep];
}

/** Undefined for UNSPECIFIED (the default applies) and unknown numbers. */
export function keepRunningFromProto(keep: pb.KeepRunning): KeepRunning | undefined {
  return KEEP_FROM_PROTO.get(keep);
}
