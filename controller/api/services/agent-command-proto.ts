/** The agent hub's domain commands as the agent protocol's messages. */
import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import { ScaleAction } from '../../../proto/gen/slipstream/v1/runs.js';
import { runStateToProto } from '../../../common/convert/runs.js';
import { scaleHookToProto } from '../../../common/convert/scale-hooks.js';
import type { AgentCommand, ScaleCommand } from '../../domain/runs/agent-command.js';

export function scaleCommandToProto(scale: ScaleCommand | undefined): pb.ScaleCommand | undefined {
  if (!scale) return undefined;
  const action = scale.action === 'add' ? ScaleAction.SCALE_ACTION_ADD : ScaleAction.SCALE_ACTION_REMOVE;
  return { action, node: scale.node, instances: scale.instances, ...scaleHookToProto(scale.hook) };
}

export function agentCommandToProto(command: AgentCommand): pb.SessionResponse {
  if (command.type === 'shutdown') return { message: { $case: 'shutdown', value: { reason: command.reason } } };
  if (command.type === 'redirect') return { message: { $case: 'redirect', value: { address: command.address, reason: command.reason } } };
  return {
    message: {
      $case: 'state',
      value: {
        state: runStateToProto(command.state),
        abortMessage: command.abortMessage ?? '',
        epoch: command.epoch,
        scale: scaleCommandToProto(command.scale),
      },
    },
  };
}
