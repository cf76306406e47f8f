import type { ResolvedPlan } from '../domain/modules/types.js';
import { instanceParameterSeeds, mappingTargets } from '../domain/runs/parameter-plan.js';
import type { RunInstance } from '../domain/runs/types.js';
import type { RunRow } from '../store/entities/run.js';
import type { Repositories } from '../store/repositories/index.js';

/**
 * Creates the parameters of instances a scale action added, and returns the
 * values their mapped inputs must take now: those outputs were pushed before
 * the new instances existed.
 */
export async function seedAddedInstances(
  repos: Repositories,
  run: RunRow,
  added: readonly RunInstance[],
  now: Date,
): Promise<{ key: string; value: string }[]> {
  const plan = JSON.parse(run.plan) as ResolvedPlan;
  for (const instance of added) {
    const node = plan.nodes.find((n) => n.name === instance.node);
    if (node) repos.runs.addParameters(run.id, instanceParameterSeeds(node, instance.name, instance.cloud, {}), now);
  }
  // Flushed now so that the parameter writes of this same unit of work find the rows.
  await repos.runs.flush();
  const targets = mappingTargets(plan, added);
  const sources = await repos.runs.parametersByKeys(run.id, [...targets.keys()]);
  return sources.flatMap((source) => (source.value === null ? [] : (targets.get(source.key) ?? []).map((key) => ({ key, value: source.value! }))));
}
