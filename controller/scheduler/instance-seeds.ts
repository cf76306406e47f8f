import type { ResolvedPlan } from '../../common/modules/types.js';
import { instanceParameterSeeds, mappingTargets } from '../domain/runs/parameter-plan.js';
import type { RunInstance } from '../domain/runs/types.js';
import type { Repositories } from '../store/repositories/index.js';
import type { ParameterDraft } from './parameter-draft.js';

/**
 * Creates the parameters of instances a scale action added, and returns the
 * values their mapped inputs must take now: those outputs were pushed before
 * the new instances existed.
 */
export async function seedAddedInstances(
  repos: Repositories,
  draft: ParameterDraft,
  runId: string,
  plan: ResolvedPlan,
  added: readonly RunInstance[],
  now: Date,
): Promise<{ key: string; value: string }[]> {
  for (const instance of added) {
    const node = plan.nodes.find((n) => n.name === instance.node);
    if (!node) continue;
    const seeds = instanceParameterSeeds(node, instance.name, instance.cloud, {});
    repos.parameters.add(runId, seeds, now);
    for (const seed of seeds) draft.add(seed.key, { value: seed.value, secret: seed.secret });
  }
  // Flushed now so that the parameter writes of this same unit of work find the rows.
  await repos.flush();
  const targets = mappingTargets(plan, added);
  return [...targets].flatMap(([source, keys]) => {
    const value = draft.get(source)?.value;
    return value === null || value === undefined ? [] : keys.map((key) => ({ key, value }));
  });
}
