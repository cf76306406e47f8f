/**
 * The bulk writes of a launch and of a state machine commit (in its
 * transaction): a run's instances and parameters, parameter values, each key
 * to its own, and staged journal entries, written on PostgreSQL as one JSON
 * value a chunk of rows, on SQLite as bound values. Values that need quoting
 * arrive as they were sent.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { createTestRun, useTestRun } from '../../../test/helpers/store.js';

const AWKWARD = `it's "quoted", \\back\\slashed, {braced}, ünïcødé\nand on two lines`;

describe.each(TEST_DATABASES)('bulk writes of a commit on %s', (database) => {
  const testRun = useTestRun(database, {
    nodes: [],
    instances: [
      { name: 'web.1', node: 'web', index: 1, cloud: 'local' },
      { name: 'web.2', node: 'web', index: 2, cloud: 'sim' },
    ],
    parameters: [
      ...['a', 'b', 'c'].map((n) => ({ key: `web.1:${n}`, value: null, secret: false, description: '' })),
      { key: 'web.2:password', value: AWKWARD, secret: true, description: AWKWARD },
    ],
  });

  it('runs.create inserts the instances and parameters as given', async () => {
    const instances = await testRun.store.read((repos) => repos.instances.ofRun(testRun.runId));
    expect(instances.map((i) => [i.name, i.node, i.index, i.cloud, i.vm, i.vmId, i.completedEpoch, i.completedState, i.scaleState, i.bootstrapHash])).toEqual([
      ['web.1', 'web', 1, 'local', 'pending', null, 0, null, '', null],
      ['web.2', 'web', 2, 'sim', 'pending', null, 0, null, '', null],
    ]);
    const parameters = await testRun.store.read((repos) => repos.parameters.list(testRun.runId, 'web.2:'));
    expect(parameters.map((p) => [p.key, p.value, p.secret, p.description])).toEqual([['web.2:password', AWKWARD, true, AWKWARD]]);
    expect(parameters[0]!.updatedAt.getTime()).toBe(instances[0]!.createdAt.getTime());
  });

  it('instances.setColumn sets each named instance its own value and the same extra columns on all of them', async () => {
    // A run of its own: the other tests read these instances as created.
    const { runId } = await createTestRun(
      testRun.store,
      { nodes: [], instances: [1, 2].map((index) => ({ name: `web.${index}`, node: 'web', index, cloud: 'local' })), parameters: [] },
      'columns',
    );
    const expires = new Date('2026-11-27T06:00:00.500Z');
    await testRun.store.write((repos) => repos.instances.setColumn(runId, 'bootstrapHash', new Map([['web.2', 'b'.repeat(64)]]), { bootstrapExpiresAt: expires }));
    await testRun.store.write((repos) => repos.instances.setColumn(runId, 'vmId', new Map([['web.1', AWKWARD], ['web.2', 'i-2']]), {}));
    const instances = await testRun.store.read((repos) => repos.instances.ofRun(runId));
    expect(instances.map((i) => [i.name, i.vmId, i.bootstrapHash, i.bootstrapExpiresAt && new Date(i.bootstrapExpiresAt).toISOString()])).toEqual([
      ['web.1', AWKWARD, null, null],
      ['web.2', 'i-2', 'b'.repeat(64), expires.toISOString()],
    ]);
  });

  it('runs.create inserts a run of more rows than one statement takes, every row once', async () => {
    const size = 10_001;
    const { runId } = await createTestRun(
      testRun.store,
      {
        nodes: [],
        instances: Array.from({ length: size }, (_, i) => ({ name: `w.${i + 1}`, node: 'w', index: i + 1, cloud: 'sim' })),
        parameters: Array.from({ length: size }, (_, i) => ({ key: `w.${i + 1}:out`, value: `${i + 1}`, secret: false, description: '' })),
      },
      'bulk',
    );
    const instances = await testRun.store.read((repos) => repos.instances.ofRun(runId));
    expect(new Set(instances.map((i) => i.name)).size).toBe(size);
    const values = await testRun.store.read((repos) => repos.parameters.allValues(runId));
    expect(values.size).toBe(size);
    expect(values.get(`w.${size}:out`)?.value).toBe(`${size}`);
  });

  it('parameters.updateValues sets each key to its own value and leaves the others', async () => {
    const now = new Date('2026-11-27T05:00:00.250Z');
    await testRun.store.write((repos) => repos.parameters.updateValues(testRun.runId, new Map([['web.1:a', AWKWARD], ['web.1:c', '3']]), now, new Set()));
    const values = await testRun.store.read((repos) => repos.parameters.allValues(testRun.runId));
    expect([...values].filter(([k]) => k.startsWith('web.1:')).map(([k, v]) => [k, v.value]).sort()).toEqual([
      ['web.1:a', AWKWARD],
      ['web.1:b', null],
      ['web.1:c', '3'],
    ]);
    const row = await testRun.store.read((repos) => repos.parameters.get(testRun.runId, 'web.1:a'));
    expect(row?.updatedAt.toISOString()).toBe(now.toISOString());
  });

  it('flush writes the staged journal entries with their sequence numbers, times and texts', async () => {
    const time = new Date('2026-11-27T05:00:01.125Z');
    await testRun.store.write(async (repos) => {
      repos.journal.stage(testRun.runId, 0, [
        { kind: 'log', type: 'stdout', instance: 'web.1', text: AWKWARD, time },
        { kind: 'event', type: 'state', actor: 'controller', text: 'Provisioning -> Executing', time },
      ]);
      await repos.flush();
    });
    const journal = await testRun.store.read((repos) => repos.journal.entries(testRun.runId, 0, ['log', 'event'], 10));
    expect(journal.map((r) => [r.sequence, r.kind, r.type, r.actor, r.instance, r.text, r.time.toISOString()])).toEqual([
      [1, 'log', 'stdout', '', 'web.1', AWKWARD, time.toISOString()],
      [2, 'event', 'state', 'controller', '', 'Provisioning -> Executing', time.toISOString()],
    ]);
  });
});
