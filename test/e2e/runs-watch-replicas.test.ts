/**
 * WatchRuns across controller replicas (--ha on PostgreSQL): a run launched
 * through one replica and driven by whichever the placement chose is seen
 * live by a WatchRuns on every replica, the one that does not drive it
 * included: its launch, its states, its final state after terminate, and
 * `removed` after its deletion (through the change notices of RunFeed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../helpers/databases.js';
import { RunListRecorder } from '../helpers/run-list-recorder.js';
import { startReplicas, type ReplicaSet } from '../helpers/replicas.js';

describe.runIf(TEST_DATABASES.includes('postgres'))('WatchRuns across replicas', () => {
  let set: ReplicaSet;
  const recorders: RunListRecorder[] = [];

  beforeAll(async () => {
    set = await startReplicas(2);
    await set.replicas[0]!.client.modules.save({
      kind: 'component',
      path: 'list/ha',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-display up' },
      parameters: [],
    });
  }, 90_000);

  afterAll(async () => {
    for (const recorder of recorders) await recorder.close();
    await set?.stop();
  }, 60_000);

  it('shows a run driven by the other replica live: launch, states, final state, deletion', async () => {
    const watchers = set.replicas.map((replica) => {
      const recorder = new RunListRecorder((signal) => replica.client.runs.watchRuns({ signal }));
      recorders.push(recorder);
      return recorder;
    });
    for (const recorder of watchers) await recorder.until('synced', (r) => r.synced);
    const via = set.replicas[0]!.client;
    const run = await via.runs.launch({ module: 'list/ha', defaultCloud: 'local', timeoutMinutes: 5 });
    const holder = (await set.holderOf(run.id)).holder;
    const bystander = set.replicas.findIndex((r) => r.replicaId !== holder);
    expect(bystander).toBeGreaterThanOrEqual(0);
    const watcher = watchers[bystander]!;

    await watcher.until('the run Ready on the replica that does not drive it', (r) => r.runs.get(run.id)?.state === 'Ready', 90_000);
    expect(watcher.states.get(run.id)!.length).toBeGreaterThan(1);
    await via.runs.terminate(run.id);
    await watcher.until('the run Done there', (r) => r.runs.get(run.id)?.state === 'Done', 60_000);
    await via.runs.delete(run.id);
    for (const recorder of watchers) await recorder.until('the run removed after its deletion', (r) => r.removed.includes(run.id), 30_000);
  }, 240_000);
});
