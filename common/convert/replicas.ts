/** Paired conversions of a controller replica's mode and state between their stored words and the wire. */
import { ControllerMode, ControllerState } from '../../proto/gen/slipstream/v1/controllers.js';
import type { ReplicaMode, ReplicaState } from '../replicas.js';

const MODE_TO_PROTO: Record<ReplicaMode, ControllerMode> = {
  ha: ControllerMode.CONTROLLER_MODE_HA,
  single: ControllerMode.CONTROLLER_MODE_SINGLE,
};
const MODE_FROM_PROTO = new Map(Object.entries(MODE_TO_PROTO).map(([k, v]) => [v, k as ReplicaMode]));

const STATE_TO_PROTO: Record<ReplicaState, ControllerState> = {
  starting: ControllerState.CONTROLLER_STATE_STARTING,
  serving: ControllerState.CONTROLLER_STATE_SERVING,
  stopping: ControllerState.CONTROLLER_STATE_STOPPING,
  stopped: ControllerState.CONTROLLER_STATE_STOPPED,
  gone: ControllerState.CONTROLLER_STATE_GONE,
};
const STATE_FROM_PROTO = new Map(Object.entries(STATE_TO_PROTO).map(([k, v]) => [v, k as ReplicaState]));

/** UNSPECIFIED for a word this release does not know (a newer replica's row). */
export function replicaModeToProto(mode: string): ControllerMode {
  return Object.hasOwn(MODE_TO_PROTO, mode) ? MODE_TO_PROTO[mode as ReplicaMode] : ControllerMode.CONTROLLER_MODE_UNSPECIFIED;
}

/** Undefined for UNSPECIFIED and unknown numbers. */
export function replicaModeFromProto(mode: ControllerMode): ReplicaMode | undefined {
  return MODE_FROM_PROTO.get(mode);
}

/** UNSPECIFIED for a word this release does not know (a newer replica's row). */
export function replicaStateToProto(state: string): ControllerState {
  return Object.hasOwn(STATE_TO_PROTO, state) ? STATE_TO_PROTO[state as ReplicaState] : ControllerState.CONTROLLER_STATE_UNSPECIFIED;
}

/** Undefined for UNSPECIFIED and unknown numbers. */
export function replicaStateFromProto(state: ControllerState): ReplicaState | undefined {
  return STATE_FROM_PROTO.get(state);
}
