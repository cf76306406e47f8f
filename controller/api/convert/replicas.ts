/** A controller replica's row as the wire shows it. */
import type { Controller } from '../../../proto/gen/slipstream/v1/controllers.js';
import { replicaModeToProto, replicaStateToProto } from '../../../common/convert/replicas.js';
import type { ControllerReplicaRow } from '../../store/entities/controller-replica.js';

/** `self`: the row is the replica answering the call. */
export function replicaToProto(row: ControllerReplicaRow, self: boolean): Controller {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    address: row.address,
    agentAddress: row.agentAddress,
    version: row.version,
    mode: replicaModeToProto(row.mode),
    state: replicaStateToProto(row.state),
    runsOwned: row.runsOwned,
    agentsConnected: row.agentsConnected,
    startedAt: row.startedAt,
    heartbeatAt: row.heartbeatAt,
    leaseMs: row.leaseMs,
    self,
  };
}
