/**
 * BuiltImageRepository on both databases: a launch finds only an available
 * image of the same tenant, component version, sources and cloud (the newest
 * one); listings filter by component path or folder and cloud; builds whose
 * run ended unrecorded are failed with the run's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { createTestRun, openTestStore } from '../../../test/helpers/store.js';
import type { Store } from '../store.js';
import type { NewBuiltImage } from './built-images.js';

const DIGEST = 'a'.repeat(64);

describe.each(TEST_DATABASES)('built images on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let tenantId: string;
  let otherTenant: string;
  let runId: string;

  beforeAll(async () => {
    const opened = await openTestStore(database);
    store = opened.store;
    dispose = opened.dispose;
    const created = await createTestRun(store, { nodes: [], instances: [], parameters: [] });
    tenantId = created.tenantId;
    runId = created.runId;
    otherTenant = (await createTestRun(store, { nodes: [], instances: [], parameters: [] }, 'globex')).tenantId;
  });

  afterAll(async () => {
    await dispose?.();
  });

  const record = (overrides: Partial<NewBuiltImage> & { id: string }, state?: 'available', builtAt = new Date()) =>
    store.write(async (repos) => {
      repos.builtImages.create({ tenantId, modulePath: 'shop/web', moduleVersion: 2, cloud: 'aws', baseImage: 'ami-base', sourceDigest: DIGEST, builtBy: 'eddie', ...overrides });
      await repos.flush();
      if (state) {
        await repos.builtImages.snapshotRequested(overrides.id, `ami-${overrides.id.slice(-4)}`, builtAt);
        await repos.builtImages.available(overrides.id, builtAt);
      }
    });
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('a launch finds the newest available image of the same tenant, version, sources and cloud only', async () => {
    await record({ id: id(1) }, 'available', new Date(Date.now() - 60_000));
    await record({ id: id(2) }, 'available');
    await record({ id: id(3) }); // building
    await record({ id: id(4), moduleVersion: 1 }, 'available');
    await record({ id: id(5), cloud: 'gcp' }, 'available');
    await record({ id: id(6), sourceDigest: 'b'.repeat(64) }, 'available');
    await record({ id: id(7), tenantId: otherTenant }, 'available');
    const match = { tenantId, modulePath: 'shop/web', moduleVersion: 2, cloud: 'aws', sourceDigest: DIGEST };
    const found = await store.read((repos) => repos.builtImages.findAvailable(match));
    expect(found).toMatchObject({ id: id(2), imageId: 'ami-0002', state: 'available' });
    expect(await store.read((repos) => repos.builtImages.findAvailable({ ...match, moduleVersion: 3 }))).toBeNull();
    expect(await store.read((repos) => repos.builtImages.findAvailable({ ...match, sourceDigest: 'c'.repeat(64) }))).toBeNull();
  });

  it('lists by component path or folder and by cloud, newest first, one tenant', async () => {
    await record({ id: id(8), modulePath: 'shop/webby' }, 'available');
    await record({ id: id(9), modulePath: 'shopping/web' }, 'available');
    const ids = async (filter: { path?: string; cloud?: string }) => (await store.read((repos) => repos.builtImages.list(tenantId, filter))).map((r) => r.id);
    // Two recorded in the same millisecond (here on purpose; by chance on a fast machine): the later id, a build run's
    // time-ordered one, is the newer.
    await store.execute(`update built_images set created_at = (select created_at from built_images where id = ?) where id = ?`, [id(3), id(4)]);
    expect(await ids({ path: 'shop/web' })).toEqual([id(6), id(5), id(4), id(3), id(2), id(1)]);
    expect((await ids({ path: 'shop' })).sort()).toEqual([1, 2, 3, 4, 5, 6, 8].map(id));
    expect(await ids({ path: 'shop', cloud: 'gcp' })).toEqual([id(5)]);
    expect(await store.read((repos) => repos.builtImages.list(otherTenant, {}))).toHaveLength(1);
  });

  it('fails builds whose run ended unrecorded, with the run’s reason; live runs’ builds stay', async () => {
    await record({ id: runId });
    await record({ id: id(10) });
    const rows = async () => store.read((repos) => repos.builtImages.list(tenantId, { path: 'shop/web' }));
    let settled = await rows().then((listed) => store.write((repos) => repos.builtImages.settleEnded(listed)));
    expect(settled.find((r) => r.id === runId)?.state).toBe('building');
    expect(settled.find((r) => r.id === id(10))).toMatchObject({ state: 'failed', message: 'the build run is gone' });
    await store.execute(`update runs set state = 'Aborted', abort_message = 'machine.1: preinstall exited 7' where id = ?`, [runId]);
    settled = await rows().then((listed) => store.write((repos) => repos.builtImages.settleEnded(listed)));
    expect(settled.find((r) => r.id === runId)).toMatchObject({ state: 'failed', message: 'machine.1: preinstall exited 7' });
    expect(await store.read((repos) => repos.builtImages.byRun(runId))).toMatchObject({ state: 'failed' });
  });
});
