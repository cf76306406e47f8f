import type { ResolvedPlan } from '../../common/modules/types.js';
import { mappingTargets } from '../domain/runs/parameter-plan.js';
import type { RunInstance, RunModel } from '../domain/runs/types.js';

/**
 * Where each output of a run is pushed (mapping targets), kept per run while
 * its instances stay the same: every batch of sets of a run needs them, and
 * computing them walks the plan and every instance.
 */
export class MappingTargetsCache {
  private readonly runs = new Map<string, { signature: string; instances: readonly RunInstance[]; targets: Map<string, string[]> }>();

  of(runId: string, plan: ResolvedPlan, run: RunModel): Map<string, string[]> {
    const cached = this.runs.get(runId);
    // The same list (copy on write): the same instances. Every batch of sets of a run comes here with its list.
    if (cached?.instances === run.instances) return cached.targets;
    let removed = 0;
    for (const instance of run.instances) if (instance.scaleState === 'removed') removed++;
    // Instances are only ever added or removed, so the two counts tell a changed set apart.
    const signature = `${run.instances.length}/${removed}`;
    if (cached?.signature === signature) {
      cached.instances = run.instances;
      return cached.targets;
    }
    const targets = mappingTargets(plan, run.instances.filter((i) => i.scaleState !== 'removed'));
    this.runs.set(runId, { signature, instances: run.instances, targets });
    return targets;
  }

  /** The runs it holds targets of. */
  cachedRuns(): IterableIterator<string> {
    return this.runs.keys();
  }

  /** Drops a run's targets (it ended). */
  forget(runId: string): void {
    this.runs.delete(runId);
  }
}
