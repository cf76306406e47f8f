import type { ResolvedPlan } from '../domain/modules/types.js';
import { instanceParameterSeeds, mappingTargets } from '../domain/runs/parameter-plan.js';
import type { RunInstance } from '../domain/runs/types.js';
import type { Repositories } from '../store/repositories/index.js';

/**
 * Creates the parameters of instances a scale action added, and returns the
 * values their mapped inputs must take now: those outputs were pushed before
 * the new instances existed.
 */
export async function seedAddedInstances(
  repos: Repositories,
  runId: string,
  plan: ResolvedPlan,
  added: readonly RunInstance[],
  now: Date,
): Promise<{ key: string; value: string }[]> {
  for (const instance of added) {
    const node = plan.nodes.find((n) => n.name === instance.node);
    if (node) repos.runs.addParameters(runId, instanceParameterSeeds(node, instance.name, instance.cloud, {}), now);
  }
  // Flushed now so that the parameter writes of this same unit of work find the rows.
  await repos.runs.flush();
  const targets = mappingTargets(plan, added);
  const sources = await repos.runs.parameterValues(runId, [...targets.keys()]);
  return sources.flatMap((source) => (source.value === null ? [] : (targets.get(source.key) ?? []).map((key) => ({ key, value: source.value! }))));
}
