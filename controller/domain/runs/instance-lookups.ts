/**
 * Lookups over a run's instances: which count for the barrier, where one sits
 * in the list, the node-level parameters, and the scale hook an instance runs.
 */
import type { ScaleHookName } from '../../../common/runs/scale-hooks.js';
import type { RunState } from '../../../common/runs/states.js';
import type { RunInstance, RunModel } from './types.js';

/** Instances the barrier waits for: not failed, not terminated, not scaled away. */
export function activeInstances(run: RunModel): RunInstance[] {
  return run.instances.filter(isActive);
}

/** The instance counts for the barrier: not failed, not terminated, not scaled away. */
export function isActive(instance: RunInstance): boolean {
  return instance.vm !== 'failed' && instance.vm !== 'terminated' && instance.scaleState !== 'removed';
}

/**
 * Where each instance sits in an instance list, by name. A transition copies
 * the list in the same order and only ever appends to it, so the index of a
 * list serves its successor until an instance is added: the index is built
 * once per instance count, not once per batch or per lookup.
 */
const positionsOf = new WeakMap<readonly RunInstance[], Map<string, number>>();

export function positions(instances: readonly RunInstance[], previous?: Map<string, number>): Map<string, number> {
  let index = positionsOf.get(instances) ?? previous;
  if (!index || index.size !== instances.length) index = new Map(instances.map((i, at) => [i.name, at]));
  positionsOf.set(instances, index);
  return index;
}

/** The instance with this name, found through the index (a welcome per agent must not scan 10,000 instances). */
export function instanceNamed(run: RunModel, name: string): RunInstance | undefined {
  const at = positions(run.instances).get(name);
  return at === undefined ? undefined : run.instances[at];
}

/** Instances that have, or may still get, a VM to destroy. */
export function instancesWithVm(run: RunModel): RunInstance[] {
  return run.instances.filter((i) => i.vm === 'pending' || i.vm === 'running');
}

/** The node-level parameters `node:multiplicity` and `node:ids` as they are now. */
export function nodeParameters(run: RunModel, node: string): { multiplicity: string; ids: string } {
  const ids = activeInstances(run)
    .filter((i) => i.node === node)
    .map((i) => i.index)
    .sort((a, b) => a - b);
  return { multiplicity: String(ids.length), ids: ids.join(',') };
}

/** The hook the instances a scale action leaves alone run, per action and state. */
const HOOKS_OF_OTHERS: Record<'add' | 'remove', Partial<Record<RunState, ScaleHookName>>> = {
  add: { Executing: 'onVmAdd', SendingReports: 'postScale' },
  remove: { Executing: 'onVmRemove', SendingReports: 'postScale' },
};

/**
 * What an instance that existed before the current scale action runs in the
 * current state instead of its phase; undefined when it runs its phase
 * normally (no scale action, or the instance is one being added).
 */
export function scaleHookFor(run: RunModel, instance: string): ScaleHookName | '' | undefined {
  const scale = run.scale;
  if (!scale) return undefined;
  const involved = scale.instances.includes(instance);
  if (scale.action === 'add') {
    if (involved) return undefined;
    return HOOKS_OF_OTHERS.add[run.state] ?? '';
  }
  if (involved) return run.state === 'Provisioning' ? 'preScale' : '';
  return HOOKS_OF_OTHERS.remove[run.state] ?? '';
}
