/**
 * The plan of an image build run (ImageService): the component's single node,
 * one instance, without its deployment recipe and scale hooks: the build runs
 * preinstall, packages and postinstall (then reporting, as every run), and
 * the controller snapshots the VM. On a cloud whose VMs prepare themselves
 * before they are imaged, the node carries the preparation script and an
 * output parameter its agent sets once done (common/images/image-preparation.ts).
 */
import { IMAGE_PREPARED_PARAMETER } from '../../../common/images/image-preparation.js';
import type { ParameterDefinition, ResolvedPlan } from '../../../common/modules/types.js';

const PREPARED: ParameterDefinition = {
  name: IMAGE_PREPARED_PARAMETER,
  category: 'output',
  type: 'string',
  description: 'when the VM prepared itself to be imaged (set by its agent)',
};

/** The build's plan from a component's resolved plan; `preparation`: what the cloud's VMs run before they are imaged. */
export function imageBuildPlan(plan: ResolvedPlan, preparation?: string): ResolvedPlan {
  return {
    ...plan,
    nodes: plan.nodes.map((node) => ({
      ...node,
      multiplicity: 1,
      recipes: { ...node.recipes, deployment: [], onVmAdd: [], onVmRemove: [], preScale: [], postScale: [] },
      ...(preparation === undefined
        ? {}
        : { imagePreparation: preparation, parameters: [...node.parameters.filter((p) => p.name !== IMAGE_PREPARED_PARAMETER), PREPARED] }),
    })),
  };
}
