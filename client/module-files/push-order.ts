/**
 * The order in which to save a set of modules so that everything a module
 * refers to exists first: parents and node components before their
 * dependents, a project before the modules in its folder.
 */
import { isPathUnderPrefix, parseModuleReference } from '../../common/modules/refs.js';
import type { ModuleDocument } from '../../common/modules/types.js';

/** Paths of the modules `document` needs to exist before it is saved. */
export function moduleDependencies(document: ModuleDocument): string[] {
  const refs =
    document.kind === 'component'
      ? document.parent === undefined ? [] : [document.parent]
      : document.kind === 'application'
        ? document.nodes.map((n) => n.component)
        : [];
  return refs.flatMap((ref) => parseModuleReference(ref)?.path ?? []);
}

/**
 * Sorts dependencies first, otherwise keeping the input order. Modules caught
 * in a cycle (which validation reports) keep their input order at the end.
 */
export function pushOrder<T extends { document: ModuleDocument }>(items: readonly T[]): T[] {
  const index = new Map(items.map((item, i) => [item.document.path, i]));
  const needs = items.map((item) => {
    const deps = new Set(moduleDependencies(item.document).flatMap((p) => index.get(p) ?? []));
    items.forEach((other, i) => {
      const folder = other.document;
      if (folder.kind === 'project' && folder.path !== item.document.path && isPathUnderPrefix(item.document.path, folder.path)) {
        deps.add(i);
      }
    });
    return deps;
  });
  const done = new Set<number>();
  const order: T[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (let i = 0; i < items.length; i += 1) {
      if (done.has(i) || ![...needs[i]!].every((d) => done.has(d) || d === i)) continue;
      done.add(i);
      order.push(items[i]!);
      progress = true;
      break;
    }
  }
  items.forEach((item, i) => {
    if (!done.has(i)) order.push(item);
  });
  return order;
}
