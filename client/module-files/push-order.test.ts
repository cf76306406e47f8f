import { describe, expect, it } from 'vitest';
import type { ModuleDocument } from '../../common/modules/types.js';
import { pushOrder } from './push-order.js';

const component = (path: string, parent?: string): ModuleDocument => ({
  kind: 'component',
  path,
  parent,
  images: {},
  resources: {},
  recipes: {},
  parameters: [],
});

const application = (path: string, ...components: string[]): ModuleDocument => ({
  kind: 'application',
  path,
  nodes: components.map((c, i) => ({ name: `n${i}`, component: c, multiplicity: 1, maxProvisioningFailures: 0, mappings: {} })),
});

const paths = (docs: ModuleDocument[]) => pushOrder(docs.map((document) => ({ document }))).map((i) => i.document.path);

describe('pushOrder', () => {
  it('puts parents, node components and folders before their dependents, else keeps the input order', () => {
    const docs = [
      application('apps/site', 'web/nginx@2', 'db/pg'),
      component('web/nginx', 'base/os'),
      component('db/pg', 'base/os'),
      component('base/os'),
      { kind: 'project', path: 'apps' } as ModuleDocument,
      component('other/tool', 'not/in/set'),
    ];
    expect(paths(docs)).toEqual(['base/os', 'web/nginx', 'db/pg', 'apps', 'apps/site', 'other/tool']);
  });

  it('keeps modules caught in a cycle, in input order, at the end', () => {
    expect(paths([component('a', 'b'), component('c'), component('b', 'a')])).toEqual(['c', 'a', 'b']);
  });
});
