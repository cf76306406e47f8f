import { describe, expect, it } from 'vitest';
import { canonicalModuleDocument } from '../../common/modules/canonical.js';
import type { ModuleDocument } from '../../common/modules/types.js';
import { validateModule } from '../../common/modules/validate.js';
import { parseModuleFile } from './read.js';
import { moduleToYaml } from './to-yaml.js';

const component: ModuleDocument = {
  kind: 'component',
  path: 'web/nginx',
  description: 'Reverse proxy\nwith TLS termination',
  parent: 'base/debian@3',
  images: { 'aws-eu': 'ami-0123', local: 'debian-12' },
  resources: { cpu: 2, ramGB: 1.5, diskGB: 20, clouds: { 'aws-eu': { instanceType: 't3.small', subnet: 'subnet-1' } } },
  recipes: {
    preinstall: 'apt-get update',
    packages: ['nginx', 'curl=8.0'],
    postinstall: '#!/bin/bash\nset -euo pipefail\n\n  indented line\necho "done"   \n',
    deployment: '  starts with spaces\nno trailing newline',
    reporting: 'tar czf $SLIPSTREAM_REPORT_DIR/x.tgz /var/log/nginx\n\n\n',
    onVmAdd: 'echo "tab\there"\r\nwindows line',
  },
  parameters: [
    { name: 'port', category: 'input', type: 'int', default: '8080', description: 'listen port', required: true },
    { name: 'debug', category: 'input', type: 'boolean', default: 'true' },
    { name: 'mode', category: 'input', type: 'enum', values: ['fast', 'safe'], default: 'safe' },
    { name: 'greeting', category: 'input', type: 'string', default: "it's 'quoted': yes" },
    { name: 'url', category: 'output', type: 'string' },
  ],
};

const application: ModuleDocument = {
  kind: 'application',
  path: 'web/site',
  nodes: [
    {
      name: 'db',
      component: 'db/postgres',
      multiplicity: 1,
      maxProvisioningFailures: 0,
      mappings: {},
    },
    {
      name: 'web',
      component: 'web/nginx@2',
      multiplicity: 3,
      cloud: 'aws-eu',
      maxProvisioningFailures: 1,
      mappings: { port: "'8080'", upstream: 'db:hostname', tags: 'ss:tags', peer: 'db.1:ip' },
    },
  ],
};

const project: ModuleDocument = { kind: 'project', path: 'web', description: 'Web tier' };

async function fromYaml(yaml: string): Promise<ModuleDocument | undefined> {
  const file = parseModuleFile('module.yaml', yaml);
  expect(file.error).toBeUndefined();
  const { document, violations } = await validateModule(file.raw, () => Promise.resolve(undefined), { offline: true });
  expect(violations).toEqual([]);
  return document;
}

describe('moduleToYaml', () => {
  it.each([
    ['component', component],
    ['application', application],
    ['project', project],
  ])('round-trips a %s: doc -> yaml -> doc is the same canonical document', async (_kind, doc) => {
    const back = await fromYaml(moduleToYaml(doc));
    expect(canonicalModuleDocument(back!)).toEqual(canonicalModuleDocument(doc));
  });

  it.each([
    ['component', component],
    ['application', application],
    ['project', project],
  ])('is a fixed point for a %s: yaml -> doc -> yaml is byte-identical', async (_kind, doc) => {
    const yaml = moduleToYaml(doc);
    expect(moduleToYaml((await fromYaml(yaml))!)).toBe(yaml);
  });

  it('writes fields in reading order, scripts as block literals and defaults as strings', () => {
    const yaml = moduleToYaml(component);
    const topKeys = yaml.split('\n').filter((l) => /^[a-zA-Z]+:/.test(l)).map((l) => l.split(':')[0]);
    expect(topKeys).toEqual(['path', 'kind', 'description', 'parent', 'images', 'resources', 'recipes', 'parameters']);
    expect(yaml).toContain('  postinstall: |\n    #!/bin/bash\n    set -euo pipefail\n');
    expect(yaml).toContain('default: "8080"');
    expect(yaml).toContain('default: "true"');
    const recipes = yaml.slice(yaml.indexOf('recipes:'), yaml.indexOf('parameters:'));
    const recipeKeys = recipes.split('\n').filter((l) => /^ {2}[a-zA-Z]+:/.test(l)).map((l) => l.trim().split(':')[0]);
    expect(recipeKeys).toEqual(['preinstall', 'packages', 'postinstall', 'deployment', 'reporting', 'onVmAdd']);
  });

  it('does not depend on the key order of its input', () => {
    const reverse = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reverse)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverse(v)]))
        : value;
    const reordered = reverse(component) as ModuleDocument;
    expect(moduleToYaml(reordered)).toBe(moduleToYaml(component));
  });
});
