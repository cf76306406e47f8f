import type { RunInstance, RunModel } from './types.js';

/**
 * True when `after` holds what `before` holds. A transition copies the run
 * and hands out copies of the instances it may change, so a batch that
 * decided nothing still returns a new model: this tells the engine there is
 * nothing to write. Instances compare by reference first (one pointer
 * comparison each for the untouched ones), then field by field.
 */
export function sameModel(before: RunModel, after: RunModel): boolean {
  for (const key of Object.keys(after) as (keyof RunModel)[]) {
    if (key !== 'instances' && !sameValue(before[key], after[key])) return false;
  }
  const was = before.instances;
  const is = after.instances;
  // The list is copied only to change an instance: the same list holds the same instances.
  if (is === was) return true;
  return was.length === is.length && is.every((instance, at) => instance === was[at] || sameInstance(instance, was[at]!));
}

function sameInstance(a: RunInstance, b: RunInstance): boolean {
  return (Object.keys(a) as (keyof RunInstance)[]).every((key) => a[key] === b[key]);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  // nodes and scale: small, deep-copied by every transition.
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}
