import type { SessionResponse } from '../../proto/gen/slipstream/v1/agent.js';
import { ScaleAction } from '../../proto/gen/slipstream/v1/runs.js';
import { instanceNamed, isActive, scaleHookFor } from '../domain/runs/instance-lookups.js';
import type { RunModel } from '../domain/runs/types.js';
import { runStateToProto } from '../../common/convert/runs.js';

/**
 * The StateCommand an instance gets for the run's current state: with its
 * scale hook when it existed before a scale action, or a Shutdown when it is
 * no longer part of the run. Undefined before the agents have anything to do.
 */
export function stateCommandFor(run: RunModel, instance: string): SessionResponse | undefined {
  if (run.state === 'Initializing') return undefined;
  const self = instanceNamed(run, instance);
  if (!self || !isActive(self)) {
    if (self?.scaleState === 'removed' || self?.vm === 'failed' || self?.vm === 'terminated') {
      return { message: { $case: 'shutdown', value: { reason: `instance ${instance} is no longer part of the run` } } };
    }
    return undefined;
  }
  const hook = scaleHookFor(run, instance);
  return {
    message: {
      $case: 'state',
      value: {
        state: runStateToProto(run.state),
        abortMessage: run.abortMessage ?? '',
        epoch: run.epoch,
        scale:
          hook === undefined || !run.scale
            ? undefined
            : {
                action: run.scale.action === 'add' ? ScaleAction.SCALE_ACTION_ADD : ScaleAction.SCALE_ACTION_REMOVE,
                node: run.scale.node,
                instances: [...run.scale.instances],
                hook,
              },
      },
    },
  };
}
