import { describe, expect, it } from 'vitest';

import { canonicalModuleDocument, moduleContentHash } from './canonical.js';
import { parseModuleDocument } from './parse.js';
import { application, component, input, node, output } from '../../test/helpers/test-catalog.js';
import type { ComponentDocument, ModuleDocument } from './types.js';

function db(): ComponentDocument {
  return component('acme/db', {
    description: 'PostgreSQL',
    parent: 'base/os@2',
    images: { 'aws-eu': 'ami-1', local: 'db.img' },
    resources: { cpu: 2, ramGB: 4, clouds: { 'aws-eu': { instanceType: 't3.small', subnet: 's-1' }, gcp: { machineType: 'e2' } } },
    recipes: { preinstall: 'apt-get update', deployment: 'start-db', packages: ['postgresql', 'curl'] },
    parameters: [input('port', 'int', { default: '5432', required: true }), input('mode', 'enum', { values: ['a', 'b'] }), output('dsn')],
  });
}

/** The same content as db(), written with every map and object in another key order and empty optionals spelled out. */
function dbShuffled(): ModuleDocument {
  return {
    parameters: [
      { required: true, default: '5432', type: 'int', category: 'input', name: 'port', description: '' },
      { values: ['a', 'b'], type: 'enum', name: 'mode', category: 'input', required: false },
      { type: 'string', category: 'output', name: 'dsn', values: [], default: '' },
    ],
    recipes: { packages: ['postgresql', 'curl'], deployment: 'start-db', postinstall: '', preinstall: 'apt-get update' },
    resources: { clouds: { gcp: { machineType: 'e2' }, 'aws-eu': { subnet: 's-1', instanceType: 't3.small' }, azure: {} }, ramGB: 4, cpu: 2 },
    images: { local: 'db.img', 'aws-eu': 'ami-1' },
    parent: 'base/os@2',
    description: 'PostgreSQL',
    kind: 'component',
    path: 'acme/db',
  };
}

describe('canonicalModuleDocument', () => {
  it('makes equal content byte-equal whatever the key order and empty optionals', () => {
    expect(JSON.stringify(canonicalModuleDocument(dbShuffled()))).toBe(JSON.stringify(canonicalModuleDocument(db())));
  });

  it('orders fields as declared and sorts map keys', () => {
    const json = JSON.stringify(canonicalModuleDocument(dbShuffled()));
    expect(json.startsWith('{"path":"acme/db","kind":"component","description":"PostgreSQL","parent":"base/os@2","images":{"aws-eu":"ami-1","local":"db.img"}')).toBe(true);
    expect(json).toContain('"clouds":{"aws-eu":{"instanceType":"t3.small","subnet":"s-1"},"gcp":{"machineType":"e2"}}');
    expect(json).toContain('{"name":"port","category":"input","type":"int","default":"5432","required":true}');
  });

  it('keeps the order of lists, which is content', () => {
    const doc = canonicalModuleDocument(db()) as ComponentDocument;
    expect(doc.recipes.packages).toEqual(['postgresql', 'curl']);
    expect(doc.parameters.map((p) => p.name)).toEqual(['port', 'mode', 'dsn']);
  });

  it('is idempotent and agrees with the parser', () => {
    const once = canonicalModuleDocument(db());
    expect(canonicalModuleDocument(once)).toEqual(once);
    const parsed = parseModuleDocument(dbShuffled()).document!;
    expect(JSON.stringify(canonicalModuleDocument(parsed))).toBe(JSON.stringify(once));
  });

  it('sorts an application node mappings but keeps node order', () => {
    const app = application('acme/app', [node('web', 'acme/web', { mappings: { z: "'1'", a: 'db:ip' }, cloud: '' }), node('db', 'acme/db')]);
    expect(JSON.stringify(canonicalModuleDocument(app))).toBe(
      '{"path":"acme/app","kind":"application","nodes":[' +
        '{"name":"web","component":"acme/web","multiplicity":1,"maxProvisioningFailures":0,"mappings":{"a":"db:ip","z":"\'1\'"}},' +
        '{"name":"db","component":"acme/db","multiplicity":1,"maxProvisioningFailures":0,"mappings":{}}]}',
    );
  });
});

describe('moduleContentHash', () => {
  it('is a sha256 hex digest', () => {
    expect(moduleContentHash(db())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not change with key order or empty optionals', () => {
    expect(moduleContentHash(dbShuffled())).toBe(moduleContentHash(db()));
  });

  const changes: [string, (doc: ComponentDocument) => void][] = [
    ['an image id', (d) => (d.images.local = 'db2.img')],
    ['the description', (d) => (d.description = 'Postgres')],
    ['the parent pin', (d) => (d.parent = 'base/os@3')],
    ['a cloud option', (d) => (d.resources.clouds!.gcp!.machineType = 'e2-medium')],
    ['a recipe', (d) => (d.recipes.deployment = 'start-db --fast')],
    ['the package order', (d) => d.recipes.packages!.reverse()],
    ['the parameter order', (d) => d.parameters.reverse()],
    ['a default', (d) => (d.parameters[0]!.default = '6432')],
    ['required', (d) => delete d.parameters[0]!.required],
  ];
  it.each(changes)('changes with %s', (_, change) => {
    const changed = db();
    change(changed);
    expect(moduleContentHash(changed)).not.toBe(moduleContentHash(db()));
  });

  it('changes with a node multiplicity', () => {
    const one = application('acme/app', [node('web', 'acme/web')]);
    const two = application('acme/app', [node('web', 'acme/web', { multiplicity: 2 })]);
    expect(moduleContentHash(one)).not.toBe(moduleContentHash(two));
  });
});
