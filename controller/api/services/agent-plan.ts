import type { AgentPlan, AgentScript } from '../../../proto/gen/slipstream/v1/agent.js';
import type { RecipeStep, ResolvedNode } from '../../../common/modules/types.js';

function scripts(steps: RecipeStep[]): AgentScript[] {
  return steps.filter((s) => s.script.trim() !== '').map((s) => ({ source: `${s.module.path}@${s.module.version}`, script: s.script }));
}

/** What one instance runs, from its node's resolved plan. */
export function agentPlanFor(runId: string, node: ResolvedNode, index: number, cloud: string, sshKeys: string[]): AgentPlan {
  return {
    runId,
    node: node.name,
    index,
    cloud,
    packages: [...node.packages],
    preinstall: scripts(node.recipes.preinstall),
    postinstall: scripts(node.recipes.postinstall),
    deployment: scripts(node.recipes.deployment),
    reporting: scripts(node.recipes.reporting),
    onVmAdd: scripts(node.recipes.onVmAdd),
    onVmRemove: scripts(node.recipes.onVmRemove),
    preScale: scripts(node.recipes.preScale),
    postScale: scripts(node.recipes.postScale),
    sshPublicKeys: sshKeys,
    // The VM boots an image built from this component: its preinstall, packages and postinstall already ran there.
    imageBuiltFromComponent: node.builtImages?.[cloud] !== undefined,
    imagePreparation: node.imagePreparation ?? '',
  };
}
