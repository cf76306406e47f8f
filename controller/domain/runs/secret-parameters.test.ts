import { describe, expect, it } from 'vitest';
import { RECIPE_NAMES, type ResolvedNode, type ResolvedPlan, type ResolvedRecipes } from '../../../common/modules/types.js';
import { secretKeyTest } from './secret-parameters.js';

const node = (name: string, parameters: ResolvedNode['parameters']): ResolvedNode => ({
  name,
  component: { path: 'p/c', version: 1 },
  lineage: [{ path: 'p/c', version: 1 }],
  multiplicity: 2,
  maxProvisioningFailures: 0,
  images: {},
  resources: {},
  packages: [],
  recipes: Object.fromEntries(RECIPE_NAMES.map((r) => [r, []])) as unknown as ResolvedRecipes,
  parameters,
  mappings: {},
});

const plan: ResolvedPlan = {
  module: { path: 'p/app', version: 1 },
  kind: 'application',
  nodes: [
    node('db', [
      { name: 'password', category: 'input', type: 'password' },
      { name: 'port', category: 'input', type: 'int' },
    ]),
    node('web', [{ name: 'password', category: 'input', type: 'string' }]),
  ],
};

describe('secretKeyTest', () => {
  const isSecret = secretKeyTest(plan);

  it("is true for every instance's key of a password parameter, in either key form", () => {
    expect(['db.1:password', 'db.2:password', 'db:password'].map(isSecret)).toEqual([true, true, true]);
  });

  it('is false for other parameters, the same name on a node where it is not a password, and non-keys', () => {
    expect(['db.1:port', 'web.1:password', 'db.1:ip', 'db:ids', 'ss:state', 'nonsense', 'other.1:password'].map(isSecret)).toEqual([
      false, false, false, false, false, false, false,
    ]);
  });
});
