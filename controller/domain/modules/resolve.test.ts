import { describe, expect, it } from 'vitest';

import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../common/errors.js';
import { resolveModule } from './resolve.js';
import { application, catalogOf, component, input, node, output, project, type TestCatalog } from '../../../test/helpers/test-catalog.js';
import { RECIPE_NAMES } from '../../../common/modules/types.js';

const root = component('base/os', {
  images: { 'aws-eu': 'ami-root', local: 'root.img' },
  resources: { cpu: 1, ramGB: 1, diskGB: 10, clouds: { 'aws-eu': { instanceType: 't3.micro', subnet: 'subnet-1' } } },
  recipes: { preinstall: 'echo os-pre', deployment: 'echo os-deploy', packages: ['curl', 'jq'] },
  parameters: [input('locale', 'string', { default: 'C' }), output('kernel')],
});
const middle = component('base/web', {
  parent: 'base/os',
  images: { 'aws-eu': 'ami-web' },
  resources: { ramGB: 2, clouds: { 'aws-eu': { instanceType: 't3.small' }, gcp: { machineType: 'e2-small' } } },
  recipes: { deployment: 'echo web-deploy', packages: ['nginx', 'curl'] },
  parameters: [input('locale', 'string', { default: 'en_US' }), input('port', 'int', { default: '80' })],
});
const leaf = component('acme/shop-web', {
  parent: 'base/web',
  images: { gcp: 'img-shop' },
  resources: { cpu: 4 },
  recipes: { postinstall: 'echo shop-post', deployment: 'echo shop-deploy', packages: ['jq', 'shop-app'] },
  parameters: [output('url'), input('port', 'int', { default: '8080', description: 'shop port' })],
});
const database = component('acme/db', { images: { 'aws-eu': 'ami-db' }, parameters: [output('dsn'), input('size', 'int', { required: true })] });

function catalog(): TestCatalog {
  return catalogOf(
    root,
    middle,
    leaf,
    database,
    project('acme'),
    application('acme/shop', [
      node('db', 'acme/db', { cloud: 'aws-eu', mappings: { size: "'10'" } }),
      node('web', 'acme/shop-web', { multiplicity: 3, maxProvisioningFailures: 2, mappings: { locale: "'fr_FR'" } }),
    ]),
  );
}

const pin = (path: string, version = 1) => ({ path, version });

describe('resolveModule: a 3-level inheritance chain', () => {
  it('flattens the lineage of a component launched alone into one node', async () => {
    const plan = await resolveModule('acme/shop-web', catalog().lookup);
    expect(plan.module).toEqual(pin('acme/shop-web'));
    expect(plan.kind).toBe('component');
    expect(plan.nodes).toHaveLength(1);
    const [machine] = plan.nodes;
    expect(machine).toMatchObject({ name: 'machine', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} });
    expect(machine!.cloud).toBeUndefined();
    expect(machine!.component).toEqual(pin('acme/shop-web'));
    expect(machine!.lineage).toEqual([pin('base/os'), pin('base/web'), pin('acme/shop-web')]);
    expect(machine!.images).toEqual({ 'aws-eu': 'ami-web', local: 'root.img', gcp: 'img-shop' });
    expect(machine!.resources).toEqual({
      cpu: 4,
      ramGB: 2,
      diskGB: 10,
      clouds: { 'aws-eu': { instanceType: 't3.small', subnet: 'subnet-1' }, gcp: { machineType: 'e2-small' } },
    });
    expect(machine!.packages).toEqual(['curl', 'jq', 'nginx', 'shop-app']);
    expect(machine!.parameters).toEqual([
      input('locale', 'string', { default: 'en_US' }),
      output('kernel'),
      input('port', 'int', { default: '8080', description: 'shop port' }),
      output('url'),
    ]);
  });

  it('runs every recipe parent first, with an empty list where no component has one', async () => {
    const { recipes } = (await resolveModule('acme/shop-web', catalog().lookup)).nodes[0]!;
    expect(Object.keys(recipes).sort()).toEqual([...RECIPE_NAMES].sort());
    expect(recipes.deployment).toEqual([
      { module: pin('base/os'), script: 'echo os-deploy' },
      { module: pin('base/web'), script: 'echo web-deploy' },
      { module: pin('acme/shop-web'), script: 'echo shop-deploy' },
    ]);
    expect(recipes.preinstall).toEqual([{ module: pin('base/os'), script: 'echo os-pre' }]);
    expect(recipes.postinstall).toEqual([{ module: pin('acme/shop-web'), script: 'echo shop-post' }]);
    expect(recipes.reporting).toEqual([]);
    expect(recipes.onVmAdd).toEqual([]);
  });

  it('resolves an application node by node, copying mappings', async () => {
    const plan = await resolveModule('acme/shop', catalog().lookup);
    expect(plan.kind).toBe('application');
    expect(plan.nodes.map((n) => [n.name, n.multiplicity, n.maxProvisioningFailures, n.cloud])).toEqual([
      ['db', 1, 0, 'aws-eu'],
      ['web', 3, 2, undefined],
    ]);
    expect(plan.nodes[0]!.lineage).toEqual([pin('acme/db')]);
    expect(plan.nodes[1]!.lineage).toHaveLength(3);
    expect(plan.nodes[1]!.mappings).toEqual({ locale: "'fr_FR'" });
  });

  it('returns copies: changing the plan does not change the catalog', async () => {
    const c = catalog();
    const first = await resolveModule('acme/shop', c.lookup);
    first.nodes[1]!.parameters[0]!.default = 'changed';
    first.nodes[1]!.mappings.locale = 'changed';
    const second = await resolveModule('acme/shop', c.lookup);
    expect(second.nodes[1]!.parameters[0]!.default).toBe('en_US');
    expect(second.nodes[1]!.mappings.locale).toBe("'fr_FR'");
  });
});

describe('resolveModule: versions', () => {
  it('pins latest references to the version found, and keeps pinned ones', async () => {
    const c = catalog();
    c.save(component('base/web', { ...middle, recipes: { deployment: 'echo web-deploy-v2' } }));
    c.save(component('acme/pinned', { parent: 'base/web@1' }));
    c.save(application('acme/mixed', [node('latest', 'acme/shop-web'), node('pinned', 'acme/pinned'), node('old', 'acme/shop-web@1')]));
    const plan = await resolveModule('acme/mixed', c.lookup);
    expect(plan.nodes.map((n) => n.lineage)).toEqual([
      [pin('base/os'), pin('base/web', 2), pin('acme/shop-web')],
      [pin('base/os'), pin('base/web', 1), pin('acme/pinned')],
      [pin('base/os'), pin('base/web', 2), pin('acme/shop-web')],
    ]);
    expect(plan.nodes[0]!.recipes.deployment.map((s) => s.script)).toEqual(['echo os-deploy', 'echo web-deploy-v2', 'echo shop-deploy']);
    expect(plan.nodes[1]!.recipes.deployment.map((s) => s.script)).toEqual(['echo os-deploy', 'echo web-deploy']);
  });

  it('resolves a pinned module version, and the latest one without a pin', async () => {
    const c = catalog();
    c.save(application('acme/shop', [node('db', 'acme/db', { multiplicity: 2, mappings: { size: "'20'" } })]));
    expect((await resolveModule('acme/shop@1', c.lookup)).nodes).toHaveLength(2);
    const latest = await resolveModule('acme/shop', c.lookup);
    expect(latest.module).toEqual(pin('acme/shop', 2));
    expect(latest.nodes.map((n) => n.multiplicity)).toEqual([2]);
  });
});

describe('resolveModule: what cannot be launched', () => {
  it('throws NotFoundError for an unknown module or version', async () => {
    const error = await resolveModule('acme/nope', catalog().lookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ resourceType: 'module', resourceName: 'acme/nope' });
    await expect(resolveModule('acme/shop@9', catalog().lookup)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('throws NotFoundError for a deleted module, pinned or not', async () => {
    const c = catalog();
    c.delete('acme/shop');
    await expect(resolveModule('acme/shop', c.lookup)).rejects.toBeInstanceOf(NotFoundError);
    await expect(resolveModule('acme/shop@1', c.lookup)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a project as NOT_LAUNCHABLE', async () => {
    const error = await resolveModule('acme', catalog().lookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error).toMatchObject({ reason: 'NOT_LAUNCHABLE', subject: 'acme' });
  });

  it('rejects a malformed reference', async () => {
    const error = await resolveModule('acme/shop@0', catalog().lookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['ref']);
  });

  it('reports stored references that no longer resolve', async () => {
    const c = catalog();
    c.delete('acme/db');
    c.save(component('base/web', { ...middle, parameters: [input('locale', 'string'), input('port', 'string')] }));
    const error = (await resolveModule('acme/shop', c.lookup).catch((e: unknown) => e)) as InvalidArgumentError;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.violations.map((v) => [v.field, v.description])).toEqual([
      ['nodes[0].component', "component 'acme/db' is deleted; only a pinned version (path@N) of a deleted module can be used"],
      ['nodes[1].component', "component 'acme/shop-web@1' cannot change the type of inherited parameter 'port' from string to int; only default, description and required may be overridden"],
    ]);
  });

  it('keeps pinned versions of deleted components usable', async () => {
    const c = catalog();
    c.save(application('acme/frozen', [node('db', 'acme/db@1', { mappings: { size: "'1'" } })]));
    c.delete('acme/db');
    expect((await resolveModule('acme/frozen', c.lookup)).nodes[0]!.component).toEqual(pin('acme/db'));
  });

  it('stops at a stored inheritance cycle', async () => {
    const c = catalogOf(component('loop/a', { parent: 'loop/b' }), component('loop/b', { parent: 'loop/a' }));
    const error = (await resolveModule('loop/a', c.lookup).catch((e: unknown) => e)) as InvalidArgumentError;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.violations).toEqual([{ field: 'parent', description: 'inheritance cycle: loop/a@1 -> loop/b -> loop/a' }]);
  });

  it('stops at an inheritance chain deeper than 32', async () => {
    const c = catalogOf();
    for (let i = 0; i < 33; i++) c.save(component(`deep/c${i}`, i === 0 ? {} : { parent: `deep/c${i - 1}` }));
    await expect(resolveModule('deep/c31', c.lookup)).resolves.toMatchObject({ kind: 'component' });
    const error = (await resolveModule('deep/c32', c.lookup).catch((e: unknown) => e)) as InvalidArgumentError;
    expect(error.violations[0]!.description).toContain('deeper than 32');
  });
});

describe('resolveModule: multiplicity overrides', () => {
  it('applies overrides, capping maxProvisioningFailures', async () => {
    const plan = await resolveModule('acme/shop', catalog().lookup, { multiplicities: { web: 1, db: 4 } });
    expect(plan.nodes.map((n) => [n.name, n.multiplicity, n.maxProvisioningFailures])).toEqual([
      ['db', 4, 0],
      ['web', 1, 1],
    ]);
  });

  it('applies an override to a component launched alone', async () => {
    const plan = await resolveModule('acme/db', catalog().lookup, { multiplicities: { machine: 5 } });
    expect(plan.nodes[0]!.multiplicity).toBe(5);
  });

  it('rejects unknown nodes, bad counts and overrides that break a mapping', async () => {
    const c = catalog();
    c.save(application('acme/pair', [node('db', 'acme/db', { multiplicity: 2, mappings: { size: "'1'" } }), node('web', 'acme/shop-web', { mappings: { locale: 'db.2:dsn' } })]));
    const error = (await resolveModule('acme/pair', c.lookup, { multiplicities: { cache: 1, web: -1, db: 1 } }).catch((e: unknown) => e)) as InvalidArgumentError;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.violations.map((v) => v.field)).toEqual(['multiplicities.cache', 'multiplicities.web', 'nodes[1].mappings.locale']);
    expect(error.violations[2]!.description).toContain("node 'db' has multiplicity 1");
  });

  it('looks each reference up once', async () => {
    const c = catalog();
    c.save(application('acme/many', [node('a', 'acme/shop-web'), node('b', 'acme/shop-web'), node('c', 'acme/shop-web')]));
    const before = c.lookups;
    await resolveModule('acme/many', c.lookup);
    expect(c.lookups - before).toBe(4); // acme/many, acme/shop-web, base/web, base/os
  });
});
