import { describe, expect, it } from 'vitest';
import { IMAGE_PREPARED_PARAMETER } from '../../../common/images/image-preparation.js';
import type { ResolvedNode, ResolvedPlan } from '../../../common/modules/types.js';
import { imageBuildPlan } from './build-plan.js';

const script = (s: string) => [{ module: { path: 'img/web', version: 2 }, script: s }];

function plan(): ResolvedPlan {
  const node = {
    name: 'machine',
    multiplicity: 3,
    parameters: [{ name: 'port', category: 'input', type: 'int', default: '80' }],
    recipes: { preinstall: script('pre'), postinstall: script('post'), deployment: script('deploy'), reporting: [], onVmAdd: script('add'), onVmRemove: [], preScale: [], postScale: [] },
  } as unknown as ResolvedNode;
  return { module: { path: 'img/web', version: 2 }, kind: 'component', nodes: [node] };
}

describe('imageBuildPlan', () => {
  it('one instance, no deployment or scale hooks, and no preparation unless the cloud needs one', () => {
    const [node] = imageBuildPlan(plan()).nodes;
    expect(node).toMatchObject({ multiplicity: 1, recipes: { preinstall: script('pre'), deployment: [], onVmAdd: [] } });
    expect(node!.imagePreparation).toBeUndefined();
    expect(node!.parameters.map((p) => p.name)).toEqual(['port']);
  });

  it('with a preparation: the node carries the script and the output parameter its agent sets (once, even if declared)', () => {
    const [node] = imageBuildPlan(plan(), 'rm -f state.json').nodes;
    expect(node!.imagePreparation).toBe('rm -f state.json');
    expect(node!.parameters).toContainEqual(expect.objectContaining({ name: IMAGE_PREPARED_PARAMETER, category: 'output' }));
    const declared = plan();
    declared.nodes[0]!.parameters.push({ name: IMAGE_PREPARED_PARAMETER, category: 'input', type: 'string' });
    const [again] = imageBuildPlan(declared, 'x').nodes;
    expect(again!.parameters.filter((p) => p.name === IMAGE_PREPARED_PARAMETER)).toEqual([expect.objectContaining({ category: 'output' })]);
  });
});
