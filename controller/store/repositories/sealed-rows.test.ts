/**
 * The storage boundary of password values, on both databases: what the rows
 * hold (sealed, bound to run and key or to the module version), what every
 * reader gets back (plaintext), rows from before sealing (read as they
 * are), and a managed row that stays sealed whatever a unit of work reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { createTestRun, openTestStore } from '../../../test/helpers/store.js';
import { isSealed } from '../../auth/credential-cipher.js';
import type { ModuleDocument, ResolvedNode, ResolvedPlan } from '../../../common/modules/types.js';
import { SealedValueError } from '../sealed-values.js';
import type { Store } from '../store.js';

const SECRET = 'hunter2-Zk4Rw';

const node: ResolvedNode = {
  name: 'db',
  component: { path: 'acme/db', version: 1 },
  lineage: [{ path: 'acme/db', version: 1 }],
  multiplicity: 1,
  maxProvisioningFailures: 0,
  images: { local: 'local' },
  resources: {},
  packages: [],
  recipes: { preinstall: [], postinstall: [], deployment: [], reporting: [], onVmAdd: [], onVmRemove: [], preScale: [], postScale: [] },
  parameters: [
    { name: 'password', category: 'input', type: 'password', default: SECRET },
    { name: 'port', category: 'input', type: 'int', default: '5432' },
  ],
  mappings: {},
};
const plan: ResolvedPlan = { module: { path: 'acme/app', version: 1 }, kind: 'application', nodes: [node] };

describe.each(TEST_DATABASES)('sealed password values on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let runId: string;
  let tenantId: string;
  const raw = (sql: string, params: unknown[] = []) =>
    store.read(async (_repos, em) => (await em.getConnection().execute(sql, params)) as Record<string, unknown>[]);
  const storedValue = async (key: string) => (await raw(`select "value" from run_parameters where run_id = ? and "key" = ?`, [runId, key]))[0]?.value as string;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(database));
    ({ runId, tenantId } = await createTestRun(store, {
      nodes: [{ name: 'db', maxProvisioningFailures: 0, nextIndex: 2 }],
      instances: [{ name: 'db.1', node: 'db', index: 1, cloud: 'local' }],
      parameters: [
        { key: 'db.1:password', value: SECRET, secret: true, description: '' },
        { key: 'db.1:port', value: '5432', secret: false, description: '' },
        { key: 'db.1:token', value: null, secret: true, description: '' },
      ],
    }));
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('stores a secret parameter sealed for its run and key, and gives every reader the plaintext', async () => {
    expect(isSealed(await storedValue('db.1:password'))).toBe(true);
    expect(await storedValue('db.1:port')).toBe('5432');
    expect(await storedValue('db.1:token')).toBeNull();
    await store.read(async (repos) => {
      expect((await repos.parameters.allValues(runId)).get('db.1:password')).toEqual({ value: SECRET, secret: true });
      expect(await repos.parameters.values(runId, ['db.1:password', 'db.1:token'])).toEqual([
        { key: 'db.1:password', value: SECRET, secret: true },
        { key: 'db.1:token', value: null, secret: true },
      ]);
      expect((await repos.parameters.get(runId, 'db.1:password'))?.value).toBe(SECRET);
      expect((await repos.parameters.list(runId, 'db.1:')).map((p) => [p.key, p.value])).toEqual([
        ['db.1:password', SECRET],
        ['db.1:port', '5432'],
        ['db.1:token', null],
      ]);
    });
  });

  it('seals the values of the keys it is told are secret on update, and leaves the others plain', async () => {
    const now = new Date();
    await store.write((repos) => repos.parameters.updateValues(runId, new Map([['db.1:token', 't0ken-Qa1'], ['db.1:port', '6543']]), now, new Set(['db.1:token'])));
    expect(isSealed(await storedValue('db.1:token'))).toBe(true);
    expect(await storedValue('db.1:token')).not.toContain('t0ken-Qa1');
    expect(await storedValue('db.1:port')).toBe('6543');
    expect((await store.read((repos) => repos.parameters.allValues(runId))).get('db.1:token')?.value).toBe('t0ken-Qa1');
  });

  it('keeps a managed row sealed whatever a unit of work reads (the ORM flushes before a query, and at commit)', async () => {
    const before = await storedValue('db.1:password');
    expect(isSealed(before)).toBe(true);
    for (const unit of [store.read.bind(store), store.write.bind(store)]) {
      await unit(async (repos) => {
        expect((await repos.parameters.get(runId, 'db.1:password'))?.value).toBe(SECRET);
        await repos.parameters.list(runId);
      });
      expect(await storedValue('db.1:password')).toBe(before);
    }
  });

  it('does not open a sealed value copied onto another key', async () => {
    await raw(`update run_parameters set "value" = ? where run_id = ? and "key" = ?`, [await storedValue('db.1:password'), runId, 'db.1:token']);
    await expect(store.read((repos) => repos.parameters.allValues(runId))).rejects.toBeInstanceOf(SealedValueError);
    await store.write((repos) => repos.parameters.updateValues(runId, new Map([['db.1:token', 't0ken-Qa1']]), new Date(), new Set(['db.1:token'])));
  });

  it('reads a secret value stored in plaintext before sealing as it is', async () => {
    await raw(`update run_parameters set "value" = ? where run_id = ? and "key" = ?`, ['legacy-plain', runId, 'db.1:password']);
    expect((await store.read((repos) => repos.parameters.allValues(runId))).get('db.1:password')?.value).toBe('legacy-plain');
    expect((await store.read((repos) => repos.parameters.get(runId, 'db.1:password')))?.value).toBe('legacy-plain');
  });

  it('stores a run plan with its password defaults sealed, the rest as it was, and opens it', async () => {
    const run = await store.write((repos) =>
      repos.runs.create({
        tenantId,
        owner: 'alice',
        plan,
        keepRunning: 'always',
        scalable: false,
        timeoutMinutes: 60,
        defaultCloud: 'local',
        tags: [],
        sshKeys: [],
        requestId: null,
        nodes: [],
        instances: [],
        parameters: [],
      }),
    );
    const [stored] = await raw(`select plan from runs where id = ?`, [run.id]);
    const storedPlan = JSON.parse(stored!.plan as string) as ResolvedPlan;
    expect(JSON.stringify(storedPlan)).not.toContain(SECRET);
    const [password, port] = storedPlan.nodes[0]!.parameters;
    expect(isSealed(password!.default!)).toBe(true);
    expect(port).toEqual(node.parameters[1]);
    expect({ ...storedPlan, nodes: [{ ...storedPlan.nodes[0], parameters: [] }] }).toEqual({ ...plan, nodes: [{ ...node, parameters: [] }] });
    const row = (await store.read((repos) => repos.runs.findById(run.id)))!;
    expect(await store.read(async (repos) => repos.runs.plan(row))).toEqual(plan);
    // A plan stored before sealing reads as it is.
    await raw(`update runs set plan = ? where id = ?`, [JSON.stringify(plan), run.id]);
    const legacy = (await store.read((repos) => repos.runs.findById(run.id)))!;
    expect(await store.read(async (repos) => repos.runs.plan(legacy))).toEqual(plan);
  });

  it('stores a component version with its password defaults sealed and returns it as saved', async () => {
    const document: ModuleDocument = {
      kind: 'component',
      path: 'acme/db',
      images: { local: 'local' },
      resources: {},
      recipes: {},
      parameters: node.parameters,
    };
    const saved = await store.write((repos) => repos.modules.appendVersion(null, { tenantId, document, contentHash: 'h'.repeat(64), author: 'alice', message: '' }));
    expect(saved.document).toEqual(document);
    const [stored] = await raw(`select content from module_versions where content like ?`, ['%acme/db%']);
    expect(stored!.content as string).not.toContain(SECRET);
    expect(JSON.parse(stored!.content as string)).toEqual({ ...document, parameters: [{ ...node.parameters[0], default: expect.stringMatching(/^ss1:/) }, node.parameters[1]] });
    expect((await store.read((repos) => repos.modules.findVersion(tenantId, 'acme/db')))?.document).toEqual(document);
    // Content stored before sealing reads as it is.
    await raw(`update module_versions set content = ? where content like ?`, [JSON.stringify(document), '%acme/db%']);
    expect((await store.read((repos) => repos.modules.findVersion(tenantId, 'acme/db')))?.document).toEqual(document);
  });
});
