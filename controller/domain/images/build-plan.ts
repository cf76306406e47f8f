/**
 * The plan of an image build run (ImageService): the component's single node,
 * one instance, without its deployment recipe and scale hooks: the build runs
 * preinstall, packages and postinstall (then reporting, as every run), and
 * the controller snapshots the VM.
 */
import type { ResolvedPlan } from '../../../common/modules/types.js';

/** The build's plan from a component's resolved plan. */
export function imageBuildPlan(plan: ResolvedPlan): ResolvedPlan {
  return {
    ...plan,
    nodes: plan.nodes.map((node) => ({
      ...node,
      multiplicity: 1,
      recipes: { ...node.recipes, deployment: [], onVmAdd: [], onVmRemove: [], preScale: [], postScale: [] },
    })),
  };
}
