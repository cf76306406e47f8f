import { describe, expect, it } from 'vitest';
import { ControllerMode, ControllerState } from '../../proto/gen/slipstream/v1/controllers.js';
import { REPLICA_MODES, REPLICA_STATES } from '../replicas.js';
import { replicaModeFromProto, replicaModeToProto, replicaStateFromProto, replicaStateToProto } from './replicas.js';

describe('replica mode and state on the wire', () => {
  it('round-trip every word through a distinct, specified enum value', () => {
    for (const mode of REPLICA_MODES) expect(replicaModeFromProto(replicaModeToProto(mode))).toBe(mode);
    for (const state of REPLICA_STATES) expect(replicaStateFromProto(replicaStateToProto(state))).toBe(state);
    expect(new Set(REPLICA_STATES.map(replicaStateToProto)).size).toBe(REPLICA_STATES.length);
  });

  it("send a newer replica's unknown word as UNSPECIFIED, and read UNSPECIFIED or unknown numbers as undefined", () => {
    expect(replicaModeToProto('cluster')).toBe(ControllerMode.CONTROLLER_MODE_UNSPECIFIED);
    expect(replicaStateToProto('constructor')).toBe(ControllerState.CONTROLLER_STATE_UNSPECIFIED);
    expect(replicaStateToProto('draining')).toBe(ControllerState.CONTROLLER_STATE_UNSPECIFIED);
    expect(replicaModeFromProto(ControllerMode.CONTROLLER_MODE_UNSPECIFIED)).toBeUndefined();
    expect(replicaStateFromProto(99 as ControllerState)).toBeUndefined();
  });
});
