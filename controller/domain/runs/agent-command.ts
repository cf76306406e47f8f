/**
 * What the controller tells a connected agent, in the domain's terms: the
 * agent hub carries these, and the agent session puts them on the wire.
 */
import type { ScaleHookName } from '../../../common/runs/scale-hooks.js';
import type { RunState } from '../../../common/runs/states.js';
import { instanceNamed, isActive, scaleHookFor } from './instance-lookups.js';
import type { RunModel, ScaleOperation } from './types.js';

/** The scale action an instance that existed before it takes part in, with the recipe it runs instead of its phase. */
export interface ScaleCommand extends ScaleOperation {
  /** Empty for nothing. */
  hook: ScaleHookName | '';
}

export type AgentCommand =
  /** Run the current state (its phase, or the scale hook) of this epoch. */
  | { type: 'state'; state: RunState; epoch: number; abortMessage: string | undefined; scale: ScaleCommand | undefined }
  /** Stop: the run is over, or the instance is no longer part of it. */
  | { type: 'shutdown'; reason: string }
  /**
   * Reconnect to the replica that drives the run (`host:port` of its agent
   * endpoint; empty when no replica owns it right now). The session ends after it.
   */
  | { type: 'redirect'; address: string; reason: string };

/**
 * The command an instance gets for the run's current state: with its scale
 * hook when it existed before a scale action, or a shutdown when it is no
 * longer part of the run. Undefined before the agents have anything to do.
 */
export function agentCommandFor(run: RunModel, instance: string): AgentCommand | undefined {
  if (run.state === 'Initializing') return undefined;
  const self = instanceNamed(run, instance);
  if (!self || !isActive(self)) {
    if (self?.scaleState === 'removed' || self?.vm === 'failed' || self?.vm === 'terminated') {
      return { type: 'shutdown', reason: `instance ${instance} is no longer part of the run` };
    }
    return undefined;
  }
  const hook = scaleHookFor(run, instance);
  return {
    type: 'state',
    state: run.state,
    epoch: run.epoch,
    abortMessage: run.abortMessage,
    scale: hook === undefined || !run.scale ? undefined : { action: run.scale.action, node: run.scale.node, instances: [...run.scale.instances], hook },
  };
}
