import type { ModuleDocument } from '../../common/modules/types.js';

/** A small, valid component. */
export function component(path: string, extra: Partial<Extract<ModuleDocument, { kind: 'component' }>> = {}): ModuleDocument {
  return {
    kind: 'component',
    path,
    description: 'test component',
    images: { local: 'debian-12' },
    resources: { cpu: 1, ramGB: 1 },
    recipes: { deployment: 'echo deployed' },
    parameters: [
      { name: 'port', category: 'input', type: 'int', default: '8080' },
      { name: 'url', category: 'output', type: 'string' },
    ],
    ...extra,
  };
}

/** A valid two-node application over `componentPath`. */
export function application(path: string, componentPath: string): ModuleDocument {
  return {
    kind: 'application',
    path,
    description: 'test application',
    nodes: [
      { name: 'db', component: componentPath, multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
      { name: 'web', component: componentPath, multiplicity: 2, maxProvisioningFailures: 1, mappings: { port: "'9090'" } },
    ],
  };
}
