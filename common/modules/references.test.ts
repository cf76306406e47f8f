import { describe, expect, it } from 'vitest';

import { checkModuleReferences, mergeLineageParameters } from './references.js';
import { application, catalogOf, component, input, node, output, project, type TestCatalog } from '../../test/helpers/test-catalog.js';
import type { ApplicationDocument, ModuleDocument, NodeDefinition } from './types.js';
import { validateModule } from './validate.js';

const os = component('base/os', {
  images: { 'aws-eu': 'ami-os', local: 'os.img' },
  parameters: [input('locale', 'string', { default: 'C' }), output('kernel')],
});
const db = component('acme/db', {
  parent: 'base/os',
  parameters: [input('port', 'int', { default: '5432' }), input('admin_password', 'password', { required: true }), output('dsn'), input('replica_of')],
});
const web = component('acme/web', {
  parent: 'base/os',
  images: { gcp: 'img-web' },
  parameters: [
    input('db_host', 'string', { required: true }),
    input('db_port', 'int'),
    input('debug', 'boolean'),
    input('tier', 'enum', { values: ['a', 'b'] }),
    output('url'),
  ],
});

/** The catalog every case runs against (fresh, so deletes and saves do not leak). */
function catalog(): TestCatalog {
  const c = catalogOf(
    os,
    db,
    web,
    project('acme'),
    application('acme/shop', [node('db', 'acme/db', { mappings: { admin_password: "'pw'" } })]),
    component('cyc/b', { parent: 'cyc/a' }),
    component('loop/x', { parent: 'loop/y' }),
    component('loop/y', { parent: 'loop/x' }),
    component('orphan/child', { parent: 'orphan/gone' }),
    component('old/thing', { images: { local: 'old.img' } }),
    component('stale/base'),
    component('stale/comp', { parent: 'stale/base' }),
    component('drift/base', { parameters: [input('p', 'int')] }),
    component('drift/child', { parent: 'drift/base', parameters: [input('p', 'int', { default: '1' })] }),
    component('self/b', { parent: 'self/a@1' }),
    component('self/a'),
  );
  for (let i = 0; i < 32; i++) c.save(component(`deep/c${i}`, i === 0 ? {} : { parent: `deep/c${i - 1}` }));
  c.delete('old/thing');
  c.delete('stale/base');
  c.save(component('drift/base', { parameters: [input('p', 'string')] })); // v2 changes the type under drift/child
  return c;
}

/** The application that wires db and web, valid; edit a copy per case. */
function store(change: (nodes: NodeDefinition[]) => void = () => {}): ApplicationDocument {
  const nodes = [
    node('db', 'acme/db', { cloud: 'aws-eu', mappings: { admin_password: "'pw'", replica_of: 'web:url' } }),
    node('web', 'acme/web', {
      multiplicity: 2,
      cloud: 'gcp',
      mappings: { db_host: 'db:hostname', db_port: "'5432'", debug: "'true'", tier: "'a'" },
    }),
  ];
  change(nodes);
  return application('acme/store', nodes);
}

const child = (parent: string, fields: Parameters<typeof component>[1] = {}) => component('acme/child', { parent, ...fields });

interface Case {
  name: string;
  doc: ModuleDocument;
  field: string;
  word: string;
}

const cases: Case[] = [
  // parents
  { name: 'unknown parent', doc: child('base/nope'), field: 'parent', word: "unknown component 'base/nope'" },
  { name: 'unknown pinned parent version', doc: child('base/os@7'), field: 'parent', word: "unknown component 'base/os@7'" },
  { name: 'parent cycle through the module being saved', doc: component('cyc/a', { parent: 'cyc/b' }), field: 'parent', word: 'inheritance cycle: cyc/a -> cyc/b -> cyc/a' },
  { name: 'cycle among stored parents', doc: child('loop/x'), field: 'parent', word: 'loop/x -> loop/y -> loop/x' },
  { name: 'parent is a project', doc: child('acme'), field: 'parent', word: "'acme' is a project, not a component" },
  { name: 'parent is an application', doc: child('acme/shop'), field: 'parent', word: 'is an application, not a component' },
  { name: 'parent deleted', doc: child('old/thing'), field: 'parent', word: "component 'old/thing' is deleted" },
  { name: 'grandparent missing', doc: child('orphan/child'), field: 'parent', word: "unknown component 'orphan/gone' (parent of 'orphan/child@1')" },
  { name: 'inheritance chain too deep', doc: child('deep/c31'), field: 'parent', word: 'deeper than 32' },
  { name: 'stored lineage changed a type', doc: child('drift/child'), field: 'parent', word: "'drift/child@1' cannot change the type of inherited parameter 'p' from string to int" },
  // overrides
  { name: 'override changes the type', doc: child('acme/db', { parameters: [input('port', 'string')] }), field: 'parameters[0].type', word: 'from int to string' },
  {
    name: 'override changes the category',
    doc: child('acme/db', { parameters: [input('locale'), output('port', 'int')] }),
    field: 'parameters[1].category',
    word: "category of inherited parameter 'port' from input to output",
  },
  // node components
  { name: 'unknown node component', doc: store((n) => (n[0]!.component = 'acme/nope')), field: 'nodes[0].component', word: "unknown component 'acme/nope'" },
  { name: 'node component is an application', doc: store((n) => (n[0]!.component = 'acme/shop')), field: 'nodes[0].component', word: 'an application, not a component' },
  { name: 'node component deleted', doc: store((n) => (n[0]!.component = 'old/thing')), field: 'nodes[0].component', word: 'deleted' },
  {
    name: "node component's parent deleted",
    doc: store((n) => (n[0]!.component = 'stale/comp')),
    field: 'nodes[0].component',
    word: "component 'stale/base' is deleted (parent of 'stale/comp@1')",
  },
  {
    name: "node component's lineage inconsistent",
    doc: store((n) => {
      n[0] = node('db', 'drift/child');
      delete n[1]!.mappings.db_host;
      n[1]!.mappings.db_host = "'h'";
    }),
    field: 'nodes[0].component',
    word: 'cannot change the type',
  },
  // mappings
  { name: 'unknown output in a mapping', doc: store((n) => (n[1]!.mappings.db_host = 'db:host')), field: 'nodes[1].mappings.db_host', word: "unknown output 'host' of node 'db'" },
  {
    name: 'input mapped from an input',
    doc: store((n) => (n[1]!.mappings.db_host = 'db:port')),
    field: 'nodes[1].mappings.db_host',
    word: "'port' of node 'db' is an input; a mapping source must be an output or a built-in parameter",
  },
  { name: 'mapping onto an output', doc: store((n) => (n[1]!.mappings.url = "'x'")), field: 'nodes[1].mappings.url', word: "'url' is an output; only inputs can be mapped" },
  { name: 'mapping onto an unknown input', doc: store((n) => (n[1]!.mappings.nope = "'x'")), field: 'nodes[1].mappings.nope', word: "unknown input 'nope' of component 'acme/web@1'" },
  {
    name: 'required input unmapped',
    doc: store((n) => delete n[1]!.mappings.db_host),
    field: 'nodes[1].mappings.db_host',
    word: "required input 'db_host' is neither mapped nor defaulted",
  },
  {
    name: 'inherited required input unmapped',
    doc: store((n) => delete n[0]!.mappings.admin_password),
    field: 'nodes[0].mappings.admin_password',
    word: 'neither mapped nor defaulted',
  },
  {
    name: 'node.N beyond multiplicity',
    doc: store((n) => (n[1]!.mappings.db_host = 'db.2:hostname')),
    field: 'nodes[1].mappings.db_host',
    word: "instance db.2 does not exist: node 'db' has multiplicity 1",
  },
  {
    name: 'mapping from a node with multiplicity 0',
    doc: store((n) => (n[0]!.multiplicity = 0)),
    field: 'nodes[1].mappings.db_host',
    word: 'instance db.1 does not exist',
  },
  { name: 'missing image for the node cloud', doc: store((n) => (n[0]!.cloud = 'gcp')), field: 'nodes[0].cloud', word: "component 'acme/db@1' has no image for cloud 'gcp'" },
  { name: 'literal not an int', doc: store((n) => (n[1]!.mappings.db_port = "'abc'")), field: 'nodes[1].mappings.db_port', word: 'does not fit int input' },
  { name: 'literal not a boolean', doc: store((n) => (n[1]!.mappings.debug = "'yes'")), field: 'nodes[1].mappings.debug', word: 'not a boolean' },
  { name: 'literal not an enum value', doc: store((n) => (n[1]!.mappings.tier = "'c'")), field: 'nodes[1].mappings.tier', word: 'not one of the enum values (a, b)' },
];

describe('checkModuleReferences: invalid modules', () => {
  it.each(cases)('$name -> $field', async ({ doc, field, word }) => {
    const { document, violations } = await validateModule(doc, catalog().lookup);
    expect(document).toBeUndefined();
    expect(violations).toHaveLength(1);
    expect(violations[0]!.field).toBe(field);
    expect(violations[0]!.description).toContain(word);
  });

  it('reports every wiring problem of an application at once', async () => {
    const doc = store((n) => {
      n[0]!.cloud = 'gcp';
      delete n[0]!.mappings.admin_password;
      n[0]!.mappings.replica_of = 'web:db_host';
      n[1]!.mappings.db_host = 'db.3:dsn';
      n[1]!.mappings.db_port = "'x'";
      n.push(node('cache', 'acme/nope'));
    });
    const violations = await checkModuleReferences(doc, catalog().lookup);
    expect(violations.map((v) => v.field)).toEqual([
      'nodes[2].component',
      'nodes[0].cloud',
      'nodes[0].mappings.replica_of',
      'nodes[0].mappings.admin_password',
      'nodes[1].mappings.db_host',
      'nodes[1].mappings.db_port',
    ]);
  });
});

describe('checkModuleReferences: valid modules', () => {
  it('accepts an application whose nodes map each other in a cycle', async () => {
    const { document, violations } = await validateModule(store(), catalog().lookup);
    expect(violations).toEqual([]);
    expect(document?.kind).toBe('application');
  });

  it('accepts built-in and run sources', async () => {
    const doc = store((n) => {
      n[0]!.mappings.replica_of = 'web.2:ip';
      n[1]!.mappings.db_port = 'db:scale.state';
      n[1]!.mappings.tier = 'ss:tags';
    });
    expect(await checkModuleReferences(doc, catalog().lookup)).toEqual([]);
  });

  it('accepts a child overriding default, description and required', async () => {
    const doc = child('acme/db', {
      parameters: [input('port', 'int', { default: '6432', description: 'pgbouncer', required: true }), input('extra', 'text')],
    });
    expect((await validateModule(doc, catalog().lookup)).violations).toEqual([]);
  });

  it('accepts a pinned version of a deleted component', async () => {
    const doc = store((n) => n.push(node('legacy', 'old/thing@1', { cloud: 'local' })));
    expect(await checkModuleReferences(doc, catalog().lookup)).toEqual([]);
    expect(await checkModuleReferences(child('old/thing@1'), catalog().lookup)).toEqual([]);
  });

  it('accepts a chain of exactly 32 components', async () => {
    expect(await checkModuleReferences(child('deep/c30'), catalog().lookup)).toEqual([]);
  });

  it('does not call a pinned older version of the module being saved a cycle', async () => {
    // self/a (new version) -> self/b -> self/a@1 (which has no parent): finite.
    expect(await checkModuleReferences(component('self/a', { parent: 'self/b' }), catalog().lookup)).toEqual([]);
  });

  it('accepts a project and a component without parent without any lookup', async () => {
    const c = catalog();
    const before = c.lookups;
    expect(await checkModuleReferences(project('acme/sub'), c.lookup)).toEqual([]);
    expect(await checkModuleReferences(component('acme/solo'), c.lookup)).toEqual([]);
    expect(c.lookups).toBe(before);
  });

  it('looks each reference up once', async () => {
    const c = catalog();
    const doc = application('acme/many', [node('a', 'acme/web'), node('b', 'acme/web'), node('c', 'acme/web')]);
    for (const n of doc.nodes) n.mappings.db_host = "'h'";
    const before = c.lookups;
    expect(await checkModuleReferences(doc, c.lookup)).toEqual([]);
    expect(c.lookups - before).toBe(2); // acme/web, base/os
  });
});

describe('checkModuleReferences: offline', () => {
  it('skips references it cannot find, and the checks that need them', async () => {
    const doc = store((n) => {
      n[0]!.component = 'elsewhere/db';
      n[1]!.mappings.db_host = 'db:anything';
    });
    expect(await checkModuleReferences(doc, catalog().lookup, { offline: true })).toEqual([]);
    expect(await checkModuleReferences(child('elsewhere/base'), catalog().lookup, { offline: true })).toEqual([]);
  });

  it('still reports what it can see', async () => {
    const doc = store((n) => {
      n[0]!.component = 'elsewhere/db';
      n[1]!.mappings.db_host = 'db.2:anything';
      n[1]!.mappings.nope = "'x'";
    });
    const violations = await checkModuleReferences(doc, catalog().lookup, { offline: true });
    expect(violations.map((v) => [v.field, v.description])).toEqual([
      ['nodes[1].mappings.db_host', "instance db.2 does not exist: node 'db' has multiplicity 1"],
      ['nodes[1].mappings.nope', "unknown input 'nope' of component 'acme/web@1'"],
    ]);
    const notComponent = await checkModuleReferences(child('acme'), catalog().lookup, { offline: true });
    expect(notComponent.map((v) => v.field)).toEqual(['parent']);
  });
});

describe('validateModule', () => {
  it('stops at parse violations without looking anything up', async () => {
    const c = catalog();
    const before = c.lookups;
    const result = await validateModule({ path: 'acme/x', kind: 'component', parent: 'acme/none', cpu: 2 }, c.lookup);
    expect(result).toEqual({ violations: [{ field: 'cpu', description: 'unknown field' }] });
    expect(c.lookups).toBe(before);
  });

  it('gives the same messages online and offline', async () => {
    const doc = store((n) => (n[1]!.mappings.db_host = 'db:port'));
    const online = await validateModule(doc, catalog().lookup);
    const offline = await validateModule(doc, catalog().lookup, { offline: true });
    expect(offline).toEqual(online);
  });

  it('returns the normalized document when valid', async () => {
    const result = await validateModule({ path: 'acme/lone', kind: 'component', parent: 'base/os', parameters: [{ name: 'n', category: 'input', type: 'int', default: 3 }] }, catalog().lookup);
    expect(result.violations).toEqual([]);
    expect(result.document).toEqual(component('acme/lone', { parent: 'base/os', parameters: [input('n', 'int', { default: '3' })] }));
  });
});

describe('mergeLineageParameters', () => {
  it('accumulates root first, a child replacing a parent definition in place', () => {
    const merged = mergeLineageParameters([
      component('a', { parameters: [input('x', 'int', { default: '1' }), output('y')] }),
      component('b', { parameters: [input('z'), input('x', 'int', { default: '2' })] }),
    ]);
    expect(merged).toEqual([input('x', 'int', { default: '2' }), output('y'), input('z')]);
  });
});
