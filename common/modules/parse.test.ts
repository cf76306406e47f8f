import { describe, expect, it } from 'vitest';

import { parseModuleDocument } from './parse.js';

/** A valid component in the YAML shape, fresh on every call. */
function componentRaw(): Record<string, unknown> {
  return {
    path: 'acme/db',
    kind: 'component',
    description: 'PostgreSQL server',
    parent: 'base/ubuntu',
    images: { 'aws-eu': 'ami-0abc', local: 'ubuntu-22.04' },
    resources: { cpu: 2, ramGB: 4, diskGB: 20, clouds: { 'aws-eu': { instanceType: 't3.small', 'security.groups': 'sg-1' } } },
    recipes: { preinstall: 'apt-get update', packages: ['postgresql-14', 'curl=7.81.0'], deployment: 'ss-set dsn "postgres://$(ss-get hostname)"' },
    parameters: [
      { name: 'port', category: 'input', type: 'int', default: 5432, description: 'listen port' },
      { name: 'mode', category: 'input', type: 'enum', values: ['primary', 'replica'], default: 'primary' },
      { name: 'admin_password', category: 'input', type: 'password', required: true },
      { name: 'dsn', category: 'output', type: 'string' },
    ],
  };
}

/** A valid application in the YAML shape, fresh on every call. */
function applicationRaw(): Record<string, unknown> {
  return {
    path: 'acme/shop',
    kind: 'application',
    nodes: [
      { name: 'db', component: 'acme/db@2', multiplicity: 1, cloud: 'aws-eu', mappings: { admin_password: "'s3cret'" } },
      {
        name: 'web',
        component: 'acme/web',
        multiplicity: 3,
        maxProvisioningFailures: 1,
        mappings: { db_host: 'db:hostname', db_dsn: 'db.1:dsn', run_tags: 'ss:tags', greeting: "'hello: it's me'" },
      },
    ],
  };
}

const REMOVE = Symbol('remove');
type Path = (string | number)[];

/** Sets (or with REMOVE deletes) the value at `path` in `doc`, for each edit, and returns `doc`. */
function edit(doc: unknown, ...edits: [Path, unknown][]): unknown {
  for (const [path, value] of edits) {
    let cursor = doc as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (value === REMOVE) delete cursor[last];
    else cursor[last] = value;
  }
  return doc;
}

const component = (...edits: [Path, unknown][]) => edit(componentRaw(), ...edits);
const app = (...edits: [Path, unknown][]) => edit(applicationRaw(), ...edits);
const param = (i: number, key: string, value: unknown): [Path, unknown] => [['parameters', i, key], value];
const nodeField = (i: number, key: string, value: unknown): [Path, unknown] => [['nodes', i, key], value];
const mapping = (i: number, input: string, value: unknown): [Path, unknown] => [['nodes', i, 'mappings', input], value];

interface Case {
  name: string;
  raw: unknown;
  field: string;
  /** A key word of the description. */
  word: string;
}

const cases: Case[] = [
  // document and header
  { name: 'not a mapping', raw: ['acme/db'], field: '', word: 'mapping' },
  { name: 'missing path', raw: component([['path'], REMOVE]), field: 'path', word: 'required' },
  { name: 'path with leading slash', raw: component([['path'], '/acme/db']), field: 'path', word: "'/'" },
  { name: 'path with trailing slash', raw: component([['path'], 'acme/db/']), field: 'path', word: "'/'" },
  { name: 'path with ..', raw: component([['path'], 'acme/../db']), field: 'path', word: "'..'" },
  { name: 'path segment with a space', raw: component([['path'], 'acme/d b']), field: 'path', word: "segment 'd b'" },
  { name: 'path with 11 segments', raw: component([['path'], 'a/b/c/d/e/f/g/h/i/j/k']), field: 'path', word: 'at most 10 segments' },
  { name: 'path over 255 characters', raw: component([['path'], Array(6).fill('a'.repeat(50)).join('/')]), field: 'path', word: 'at most 255' },
  { name: 'path not a string', raw: component([['path'], 42]), field: 'path', word: 'string' },
  { name: 'unknown kind', raw: component([['kind'], 'image']), field: 'kind', word: 'one of project, component, application' },
  { name: 'missing kind', raw: component([['kind'], REMOVE]), field: 'kind', word: 'required' },
  { name: 'description too long', raw: component([['description'], 'x'.repeat(4097)]), field: 'description', word: 'at most 4096' },
  { name: 'typo in a top-level field', raw: component([['imgaes'], {}]), field: 'imgaes', word: "unknown field; did you mean 'images'?" },
  { name: 'nodes on a component', raw: component([['nodes'], []]), field: 'nodes', word: "unknown field; only an application has 'nodes'" },
  { name: 'images on a project', raw: { path: 'acme', kind: 'project', images: {} }, field: 'images', word: 'unknown field' },
  { name: 'parent on an application', raw: app([['parent'], 'acme/base']), field: 'parent', word: 'only a component' },
  // component
  { name: 'parent with version 0', raw: component([['parent'], 'base/ubuntu@0']), field: 'parent', word: 'positive integer' },
  { name: 'parent with a bad path', raw: component([['parent'], 'base//ubuntu']), field: 'parent', word: 'module reference' },
  { name: 'parent is the module itself', raw: component([['parent'], 'acme/db@1']), field: 'parent', word: 'itself' },
  { name: 'bad image cloud name', raw: component([['images', 'AWS_EU'], 'ami-1']), field: 'images.AWS_EU', word: 'must be a DNS label' },
  { name: 'empty image id', raw: component([['images', 'aws-eu'], '']), field: 'images.aws-eu', word: 'non-empty' },
  { name: 'image id too long', raw: component([['images', 'local'], 'i'.repeat(1025)]), field: 'images.local', word: 'at most 1024' },
  { name: 'images not a mapping', raw: component([['images'], ['ami-1']]), field: 'images', word: 'mapping' },
  { name: 'cpu 0', raw: component([['resources', 'cpu'], 0]), field: 'resources.cpu', word: 'from 1 to 1024' },
  { name: 'fractional cpu', raw: component([['resources', 'cpu'], 2.5]), field: 'resources.cpu', word: 'integer' },
  { name: 'ramGB 0', raw: component([['resources', 'ramGB'], 0]), field: 'resources.ramGB', word: 'greater than 0' },
  { name: 'ramGB as text', raw: component([['resources', 'ramGB'], '4']), field: 'resources.ramGB', word: 'number' },
  { name: 'diskGB too large', raw: component([['resources', 'diskGB'], 70000]), field: 'resources.diskGB', word: 'from 1 to 65536' },
  { name: 'unknown resource', raw: component([['resources', 'gpus'], 1]), field: 'resources.gpus', word: 'unknown field' },
  { name: 'bad cloud in resources', raw: component([['resources', 'clouds', 'Aws'], {}]), field: 'resources.clouds.Aws', word: 'DNS label' },
  {
    name: 'bad cloud option key',
    raw: component([['resources', 'clouds', 'aws-eu', '9x'], 'a']),
    field: 'resources.clouds.aws-eu.9x',
    word: 'option name',
  },
  {
    name: 'cloud option value not text',
    raw: component([['resources', 'clouds', 'aws-eu', 'instanceType'], { size: 'small' }]),
    field: 'resources.clouds.aws-eu.instanceType',
    word: 'string',
  },
  {
    name: 'cloud option value too long',
    raw: component([['resources', 'clouds', 'aws-eu', 'userData'], 'u'.repeat(1025)]),
    field: 'resources.clouds.aws-eu.userData',
    word: 'at most 1024',
  },
  // 'é' is 2 bytes: 32769 characters are 65538 bytes, over 64 KiB.
  { name: 'oversized recipe (bytes)', raw: component([['recipes', 'deployment'], 'é'.repeat(32769)]), field: 'recipes.deployment', word: '65538 bytes' },
  { name: 'recipe not a string', raw: component([['recipes', 'preinstall'], ['apt-get update']]), field: 'recipes.preinstall', word: 'string' },
  { name: "SlipStream's execute recipe", raw: component([['recipes', 'execute'], 'run']), field: 'recipes.execute', word: "called 'deployment'" },
  { name: 'typo in a recipe name', raw: component([['recipes', 'postinstal'], 'x']), field: 'recipes.postinstal', word: "did you mean 'postinstall'?" },
  { name: 'bad package name', raw: component([['recipes', 'packages', 1], 'bad pkg']), field: 'recipes.packages[1]', word: 'package name' },
  { name: 'duplicate package', raw: component([['recipes', 'packages'], ['a', 'b', 'a']]), field: 'recipes.packages[2]', word: "duplicate package 'a'" },
  {
    name: 'too many packages',
    raw: component([['recipes', 'packages'], Array.from({ length: 501 }, (_, i) => `p${i}`)]),
    field: 'recipes.packages',
    word: 'at most 500',
  },
  // parameters
  {
    name: 'too many parameters',
    raw: component([['parameters'], Array.from({ length: 201 }, (_, i) => ({ name: `p${i}`, category: 'input', type: 'string' }))]),
    field: 'parameters',
    word: 'at most 200',
  },
  { name: "parameter name with '.'", raw: component(param(0, 'name', 'db.port')), field: 'parameters[0].name', word: "no ':' or '.'" },
  { name: "parameter name with ':'", raw: component(param(0, 'name', 'db:port')), field: 'parameters[0].name', word: "no ':' or '.'" },
  { name: 'parameter name starting with a digit', raw: component(param(0, 'name', '1port')), field: 'parameters[0].name', word: 'start with a letter' },
  { name: 'reserved parameter name (any case)', raw: component(param(0, 'name', 'HostName')), field: 'parameters[0].name', word: 'built-in' },
  { name: 'missing parameter name', raw: component(param(0, 'name', REMOVE)), field: 'parameters[0].name', word: 'required' },
  { name: 'duplicate parameter names', raw: component(param(3, 'name', 'port'), param(3, 'type', 'int')), field: 'parameters[3].name', word: "duplicate parameter 'port'" },
  { name: 'bad category', raw: component(param(0, 'category', 'inout')), field: 'parameters[0].category', word: 'one of input, output' },
  { name: 'missing type', raw: component(param(3, 'type', REMOVE)), field: 'parameters[3].type', word: 'required' },
  { name: 'unknown type', raw: component(param(0, 'type', 'float')), field: 'parameters[0].type', word: 'one of string, text, password, boolean, int, enum' },
  { name: "int default 'abc'", raw: component(param(0, 'default', 'abc')), field: 'parameters[0].default', word: 'not an int' },
  { name: 'int default 1.5', raw: component(param(0, 'default', 1.5)), field: 'parameters[0].default', word: 'not an int' },
  { name: 'int default beyond safe integers', raw: component(param(0, 'default', '9007199254740993')), field: 'parameters[0].default', word: 'not an int' },
  { name: "boolean default 'yes'", raw: component(param(0, 'type', 'boolean'), param(0, 'default', 'yes')), field: 'parameters[0].default', word: 'not a boolean' },
  { name: 'enum default not in values', raw: component(param(1, 'default', 'standby')), field: 'parameters[1].default', word: 'not one of the enum values (primary, replica)' },
  { name: 'enum without values', raw: component(param(1, 'values', REMOVE), param(1, 'default', REMOVE)), field: 'parameters[1].values', word: 'at least one value' },
  { name: 'enum with an empty value', raw: component(param(1, 'values', ['primary', ''])), field: 'parameters[1].values[1]', word: 'empty' },
  { name: 'enum with a duplicate value', raw: component(param(1, 'values', ['primary', 'primary'])), field: 'parameters[1].values[1]', word: 'duplicate' },
  { name: 'values on a string parameter', raw: component(param(3, 'values', ['a'])), field: 'parameters[3].values', word: 'only an enum parameter has values' },
  { name: 'values not a list', raw: component(param(1, 'values', 'primary')), field: 'parameters[1].values', word: 'list' },
  { name: 'default over 64 KiB', raw: component(param(2, 'default', 'p'.repeat(65537))), field: 'parameters[2].default', word: '64 KiB' },
  { name: 'default not a scalar', raw: component(param(2, 'default', ['a'])), field: 'parameters[2].default', word: 'string, number or boolean' },
  { name: 'parameter description too long', raw: component(param(0, 'description', 'd'.repeat(4097))), field: 'parameters[0].description', word: 'at most 4096' },
  { name: 'required output', raw: component(param(3, 'required', true)), field: 'parameters[3].required', word: 'an output cannot be required' },
  { name: "required 'yes'", raw: component(param(2, 'required', 'yes')), field: 'parameters[2].required', word: 'true or false' },
  { name: 'typo in a parameter field', raw: component(param(0, 'defualt', 1)), field: 'parameters[0].defualt', word: "did you mean 'default'?" },
  { name: 'parameter not a mapping', raw: component([['parameters', 0], 'port']), field: 'parameters[0]', word: 'mapping' },
  // application
  { name: 'no nodes', raw: app([['nodes'], REMOVE]), field: 'nodes', word: 'at least 1 node' },
  { name: 'empty node list', raw: app([['nodes'], []]), field: 'nodes', word: 'at least 1 node' },
  { name: 'nodes not a list', raw: app([['nodes'], { db: {} }]), field: 'nodes', word: 'list' },
  {
    name: 'too many nodes',
    raw: app([['nodes'], Array.from({ length: 101 }, (_, i) => ({ name: `n${i}`, component: 'acme/db' }))]),
    field: 'nodes',
    word: 'at most 100 nodes',
  },
  { name: 'node name with uppercase and _', raw: app(nodeField(1, 'name', 'Web_1')), field: 'nodes[1].name', word: 'DNS label' },
  { name: 'node name starting with a digit', raw: app(nodeField(1, 'name', '1web')), field: 'nodes[1].name', word: 'starting with a letter' },
  { name: 'node name too long', raw: app(nodeField(1, 'name', 'w'.repeat(64))), field: 'nodes[1].name', word: 'at most 63' },
  { name: "node named 'ss'", raw: app(nodeField(1, 'name', 'ss')), field: 'nodes[1].name', word: 'reserved' },
  { name: 'duplicate node names', raw: app(nodeField(1, 'name', 'db'), [['nodes', 1, 'mappings'], {}]), field: 'nodes[1].name', word: "duplicate node name 'db'" },
  { name: 'missing component', raw: app(nodeField(0, 'component', REMOVE)), field: 'nodes[0].component', word: 'required' },
  { name: 'bad component version', raw: app(nodeField(0, 'component', 'acme/db@latest')), field: 'nodes[0].component', word: 'positive integer' },
  { name: 'negative multiplicity', raw: app(nodeField(0, 'multiplicity', -1)), field: 'nodes[0].multiplicity', word: 'from 0 to 10000' },
  { name: 'multiplicity over 10000', raw: app(nodeField(0, 'multiplicity', 10001)), field: 'nodes[0].multiplicity', word: 'from 0 to 10000' },
  { name: 'multiplicity as text', raw: app(nodeField(0, 'multiplicity', '3')), field: 'nodes[0].multiplicity', word: 'integer' },
  {
    name: 'maxProvisioningFailures over multiplicity',
    raw: app(nodeField(1, 'maxProvisioningFailures', 4)),
    field: 'nodes[1].maxProvisioningFailures',
    word: "at most the node's multiplicity (3)",
  },
  { name: 'negative maxProvisioningFailures', raw: app(nodeField(1, 'maxProvisioningFailures', -1)), field: 'nodes[1].maxProvisioningFailures', word: 'from 0' },
  { name: 'bad node cloud', raw: app(nodeField(0, 'cloud', 'AWS')), field: 'nodes[0].cloud', word: 'DNS label' },
  { name: 'unknown node field', raw: app(nodeField(0, 'replicas', 2)), field: 'nodes[0].replicas', word: 'unknown field' },
  { name: 'node not a mapping', raw: app([['nodes', 1], 'web']), field: 'nodes[1]', word: 'mapping' },
  { name: 'mappings not a mapping', raw: app(nodeField(1, 'mappings', ['db_host'])), field: 'nodes[1].mappings', word: 'mapping' },
  // mappings
  { name: 'bad input name', raw: app(mapping(1, '9lives', "'x'")), field: 'nodes[1].mappings.9lives', word: 'start with a letter' },
  { name: 'mapping onto a built-in', raw: app(mapping(1, 'hostname', "'x'")), field: 'nodes[1].mappings.hostname', word: 'built-in' },
  { name: 'unknown node in a mapping', raw: app(mapping(1, 'db_host', 'cache:url')), field: 'nodes[1].mappings.db_host', word: "unknown node 'cache'" },
  { name: 'literal without closing quote', raw: app(mapping(1, 'greeting', "'abc")), field: 'nodes[1].mappings.greeting', word: 'single quote' },
  { name: 'literal without opening quote', raw: app(mapping(1, 'greeting', "abc'")), field: 'nodes[1].mappings.greeting', word: 'single quote' },
  { name: 'a lone quote', raw: app(mapping(1, 'greeting', "'")), field: 'nodes[1].mappings.greeting', word: 'single quote' },
  { name: 'double-quoted literal', raw: app(mapping(1, 'greeting', '"abc"')), field: 'nodes[1].mappings.greeting', word: 'not double quotes' },
  { name: 'unquoted literal', raw: app(mapping(1, 'greeting', 'hello')), field: 'nodes[1].mappings.greeting', word: 'quote it' },
  { name: 'number as a mapping', raw: app(mapping(1, 'greeting', 8080)), field: 'nodes[1].mappings.greeting', word: "quote it: '8080'" },
  { name: 'instance 0', raw: app(mapping(1, 'db_host', 'db.0:hostname')), field: 'nodes[1].mappings.db_host', word: 'integer >= 1' },
  { name: 'instance not a number', raw: app(mapping(1, 'db_host', 'db.x:hostname')), field: 'nodes[1].mappings.db_host', word: 'integer >= 1' },
  { name: 'instance of ss', raw: app(mapping(1, 'run_tags', 'ss.1:tags')), field: 'nodes[1].mappings.run_tags', word: 'no instances' },
  { name: 'bad source parameter', raw: app(mapping(1, 'db_dsn', 'db:bad.name')), field: 'nodes[1].mappings.db_dsn', word: 'neither a parameter name nor a built-in' },
  { name: 'empty run parameter', raw: app(mapping(1, 'run_tags', 'ss:')), field: 'nodes[1].mappings.run_tags', word: 'run parameter' },
  { name: 'bad node part in a source', raw: app(mapping(1, 'db_dsn', 'DB:dsn')), field: 'nodes[1].mappings.db_dsn', word: "'DB' is not a node name" },
  { name: 'literal over 64 KiB', raw: app(mapping(1, 'greeting', `'${'x'.repeat(65537)}'`)), field: 'nodes[1].mappings.greeting', word: 'literal is too large' },
];

describe('parseModuleDocument: invalid modules', () => {
  it.each(cases)('$name -> $field', ({ raw, field, word }) => {
    const { document, violations } = parseModuleDocument(raw);
    expect(document).toBeUndefined();
    expect(violations).toHaveLength(1);
    expect(violations[0]!.field).toBe(field);
    expect(violations[0]!.description).toContain(word);
  });

  it('has at least 30 distinct cases', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});

describe('parseModuleDocument: valid modules', () => {
  it('parses and normalizes a component', () => {
    const { document, violations } = parseModuleDocument(componentRaw());
    expect(violations).toEqual([]);
    expect(document).toEqual({
      path: 'acme/db',
      kind: 'component',
      description: 'PostgreSQL server',
      parent: 'base/ubuntu',
      images: { 'aws-eu': 'ami-0abc', local: 'ubuntu-22.04' },
      resources: { cpu: 2, ramGB: 4, diskGB: 20, clouds: { 'aws-eu': { instanceType: 't3.small', 'security.groups': 'sg-1' } } },
      recipes: { preinstall: 'apt-get update', deployment: 'ss-set dsn "postgres://$(ss-get hostname)"', packages: ['postgresql-14', 'curl=7.81.0'] },
      parameters: [
        { name: 'port', category: 'input', type: 'int', default: '5432', description: 'listen port' },
        { name: 'mode', category: 'input', type: 'enum', values: ['primary', 'replica'], default: 'primary' },
        { name: 'admin_password', category: 'input', type: 'password', required: true },
        { name: 'dsn', category: 'output', type: 'string' },
      ],
    });
  });

  it('parses an application, defaulting multiplicity and maxProvisioningFailures', () => {
    const raw = app(nodeField(0, 'multiplicity', REMOVE));
    const { document, violations } = parseModuleDocument(raw);
    expect(violations).toEqual([]);
    expect(document).toEqual({
      path: 'acme/shop',
      kind: 'application',
      nodes: [
        { name: 'db', component: 'acme/db@2', multiplicity: 1, cloud: 'aws-eu', maxProvisioningFailures: 0, mappings: { admin_password: "'s3cret'" } },
        {
          name: 'web',
          component: 'acme/web',
          multiplicity: 3,
          maxProvisioningFailures: 1,
          mappings: { db_host: 'db:hostname', db_dsn: 'db.1:dsn', run_tags: 'ss:tags', greeting: "'hello: it's me'" },
        },
      ],
    });
  });

  it('parses a project', () => {
    expect(parseModuleDocument({ path: 'acme', kind: 'project', description: 'Acme modules' })).toEqual({
      document: { path: 'acme', kind: 'project', description: 'Acme modules' },
      violations: [],
    });
  });

  it('fills missing containers and drops empty or null optional fields', () => {
    const { document, violations } = parseModuleDocument({
      path: 'acme/minimal',
      kind: 'component',
      description: '',
      parent: null,
      recipes: { deployment: '', packages: [] },
      resources: { clouds: { 'aws-eu': { subnet: '' } } },
      parameters: [{ name: 'flag', category: 'input', type: 'boolean', default: true, description: null, required: false, values: [] }],
    });
    expect(violations).toEqual([]);
    expect(document).toEqual({
      path: 'acme/minimal',
      kind: 'component',
      images: {},
      resources: {},
      recipes: {},
      parameters: [{ name: 'flag', category: 'input', type: 'boolean', default: 'true' }],
    });
  });

  it('converts numbers in enum values, defaults and cloud options to text', () => {
    const { document, violations } = parseModuleDocument({
      path: 'acme/sized',
      kind: 'component',
      resources: { clouds: { 'aws-eu': { iops: 3000, ebsOptimized: true } } },
      parameters: [{ name: 'size', category: 'input', type: 'enum', values: [1, 2, 4], default: 2 }],
    });
    expect(violations).toEqual([]);
    expect(document).toMatchObject({
      resources: { clouds: { 'aws-eu': { iops: '3000', ebsOptimized: 'true' } } },
      parameters: [{ name: 'size', values: ['1', '2', '4'], default: '2' }],
    });
  });

  it('accepts the wire shape, where absent fields are undefined', () => {
    const raw = { ...componentRaw(), description: undefined, parent: undefined };
    expect(parseModuleDocument(raw).violations).toEqual([]);
  });

  it('accepts every source form and built-in sources', () => {
    const raw = app(
      mapping(1, 'a', 'db:scale.state'),
      mapping(1, 'b', 'db.1:url.ssh'),
      mapping(1, 'c', 'web.3:ip'),
      mapping(1, 'd', 'ss:url.service'),
      mapping(1, 'e', "''"),
      mapping(1, 'f', "'it''s: db:x'"),
    );
    expect(parseModuleDocument(raw).violations).toEqual([]);
  });

  it('accepts limits exactly at the boundary', () => {
    const raw = component(
      [['path'], `${Array(4).fill('a'.repeat(50)).join('/')}/${'b'.repeat(51)}`], // 255 characters
      [['description'], 'x'.repeat(4096)],
      [['resources', 'cpu'], 1024],
      [['resources', 'ramGB'], 0.5],
      [['recipes', 'deployment'], 'é'.repeat(32768)],
      param(0, 'default', '-9007199254740991'),
    );
    expect(parseModuleDocument(raw).violations).toEqual([]);
  });
});

describe('parseModuleDocument: many violations', () => {
  it('reports every violation of a document at once, each at its field', () => {
    const raw = component(
      [['path'], '/bad'],
      [['images', 'AWS'], 'ami-1'],
      [['resources', 'cpu'], 0],
      [['recipes', 'packages'], ['ok', 'ok']],
      [['colour'], 'blue'],
      param(0, 'default', 'abc'),
      param(1, 'default', 'standby'),
      param(2, 'name', 'ip'),
      param(3, 'required', true),
    );
    const { document, violations } = parseModuleDocument(raw);
    expect(document).toBeUndefined();
    expect(violations.map((v) => v.field).sort()).toEqual(
      [
        'path',
        'colour',
        'images.AWS',
        'resources.cpu',
        'recipes.packages[1]',
        'parameters[0].default',
        'parameters[1].default',
        'parameters[2].name',
        'parameters[3].required',
      ].sort(),
    );
  });

  it('reports problems in several nodes together', () => {
    const raw = app(nodeField(0, 'name', 'DB'), nodeField(1, 'multiplicity', -2), mapping(1, 'db_host', 'cache:ip'), mapping(1, 'greeting', 'hi'));
    const fields = parseModuleDocument(raw).violations.map((v) => v.field);
    // 'db' no longer names a node, so 'db:hostname' and 'db.1:dsn' are unknown nodes as well.
    expect(fields).toEqual([
      'nodes[0].name',
      'nodes[1].multiplicity',
      'nodes[1].mappings.db_host',
      'nodes[1].mappings.db_dsn',
      'nodes[1].mappings.greeting',
    ]);
  });
});
