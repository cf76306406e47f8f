/**
 * RunTransitionRepository.commit, the write of a batch of state machine
 * decisions (one statement on PostgreSQL): the run row's changed columns,
 * instances' progress and VM clocks, parameter values (a secret one sealed)
 * and journal entries numbered after the run's last sequence number; nothing
 * written for a run that is gone or with a lease epoch the run moved past.
 */
import { describe, expect, it } from 'vitest';
import type { RunModel } from '../../domain/runs/types.js';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { useTestRun } from '../../../test/helpers/store.js';
import { LeaseLostError } from '../lease-lost.js';
import type { JournalEntry } from './run-journal.js';

describe.each(TEST_DATABASES)('transitions.commit on %s', (database) => {
  const testRun = useTestRun(database, {
    nodes: [{ name: 'web', maxProvisioningFailures: 0, nextIndex: 4 }],
    instances: [1, 2, 3].map((index) => ({ name: `web.${index}`, node: 'web', index, cloud: 'local' })),
    parameters: [
      { key: 'web.1:url', value: null, secret: false, description: '' },
      { key: 'web.2:password', value: null, secret: true, description: '' },
    ],
  });
  const now = new Date('2026-12-07T12:00:00.123Z');
  const later = new Date('2026-12-07T12:05:00.456Z');

  const load = async () => (await testRun.store.read((repos) => repos.runs.load(testRun.runId)))!;
  const model = async () => (await load()).model;
  const values = () => testRun.store.read(async (repos) => new Map([...(await repos.parameters.allValues(testRun.runId))].map(([k, v]) => [k, v.value])));
  const commit = (before: RunModel, after: RunModel, options: { values?: Map<string, string>; secretKeys?: Set<string>; entries?: JournalEntry[]; leaseEpoch?: number; runId?: string; at?: Date } = {}) =>
    testRun.store.writeStatement((repos) =>
      repos.transitions.commit({
        runId: options.runId ?? testRun.runId,
        leaseEpoch: options.leaseEpoch ?? 0,
        before,
        after,
        values: options.values ?? new Map(),
        secretKeys: options.secretKeys ?? new Set(),
        entries: options.entries ?? [],
        now: options.at ?? now,
      }),
    );
  /** `run` with these instances changed, as the state machine changes them (a copy of each one it changes). */
  const withInstances = (run: RunModel, changes: Record<string, Partial<RunModel['instances'][number]>>): RunModel => ({
    ...run,
    instances: run.instances.map((i) => (changes[i.name] ? { ...i, ...changes[i.name] } : i)),
  });

  it('writes the run row, the instances, the values and the journal together', async () => {
    const before = await model();
    const started = withInstances(before, { 'web.1': { vm: 'running' }, 'web.2': { vm: 'running' } });
    await commit(before, started);

    const executing: RunModel = {
      ...withInstances(started, { 'web.1': { completedState: 'Provisioning', completedEpoch: 0 }, 'web.2': { vm: 'failed' } }),
      state: 'Executing',
      epoch: 1,
      stateChangedAt: later,
      abortMessage: 'web.2 failed',
      abortedAt: later,
    };
    const entry = (subject: string, text: string): JournalEntry => ({ kind: 'parameter', type: 'set', actor: 'controller', subject, text, time: later });
    const journal = await commit(started, executing, {
      values: new Map([['web.1:url', 'http://web.1'], ['web.2:password', 's3cret']]),
      secretKeys: new Set(['web.2:password']),
      entries: [entry('web.1:url', 'http://web.1'), entry('web.2:password', '********'), { kind: 'event', type: 'state', text: 'Executing', time: later }],
      at: later,
    });
    expect(journal?.map((r) => [r.sequence, r.kind, r.subject])).toEqual([
      [1, 'parameter', 'web.1:url'],
      [2, 'parameter', 'web.2:password'],
      [3, 'event', ''],
    ]);

    const { row, instances } = await load();
    expect(row).toMatchObject({ state: 'Executing', epoch: 1, abortMessage: 'web.2 failed', lastSequence: 3, finishedAt: null });
    expect(row.stateChangedAt.toISOString()).toBe(later.toISOString());
    expect(row.abortedAt?.toISOString()).toBe(later.toISOString());
    const byName = new Map(instances.map((i) => [i.name, i]));
    expect(byName.get('web.1')).toMatchObject({ vm: 'running', completedState: 'Provisioning', completedEpoch: 0, vmStoppedAt: null });
    // The VM clocks: started by the first commit; web.2's stopped by the second, when its VM failed.
    expect(byName.get('web.1')?.vmStartedAt?.toISOString()).toBe(now.toISOString());
    expect(byName.get('web.2')?.vmStartedAt?.toISOString()).toBe(now.toISOString());
    expect(byName.get('web.2')?.vmStoppedAt?.toISOString()).toBe(later.toISOString());
    // An instance the transitions left alone keeps its row.
    expect(byName.get('web.3')).toMatchObject({ vm: 'pending', completedState: null, vmStartedAt: null });
    expect(await values()).toEqual(new Map([['web.1:url', 'http://web.1'], ['web.2:password', 's3cret']]));
    const stored = (await testRun.store.read((_repos, em) =>
      em.getConnection().execute(`select "key", "value" from run_parameters where run_id = ? order by "key"`, [testRun.runId]),
    )) as { key: string; value: string }[];
    expect(stored.find((r) => r.key === 'web.2:password')?.value).toMatch(/^ss1:/);
    const entries = await testRun.store.read((repos) => repos.journal.entries(testRun.runId, 0, ['parameter', 'event'], 10));
    expect(entries.map((r) => [r.sequence, r.text, r.time.toISOString()])).toEqual([
      [1, 'http://web.1', later.toISOString()],
      [2, '********', later.toISOString()],
      [3, 'Executing', later.toISOString()],
    ]);
    // What the state machine would read back is what it committed.
    expect(await model()).toEqual(executing);
  });

  it('clears a column the transition cleared, and numbers entries after the ones before', async () => {
    const before = await model();
    const recovered: RunModel = { ...before, abortMessage: undefined, abortedAt: undefined, recoveryMode: true };
    const journal = await commit(before, recovered, { entries: [{ kind: 'event', type: 'abort-cleared', text: 'recovered', time: later }] });
    expect(journal?.map((r) => r.sequence)).toEqual([4]);
    const { row } = await load();
    expect(row).toMatchObject({ abortMessage: null, abortedAt: null, recoveryMode: true, state: 'Executing', lastSequence: 4 });
    expect(await model()).toEqual(recovered);
  });

  it('writes nothing for a run that does not exist', async () => {
    const before = await model();
    const gone = '00000000-0000-4000-8000-000000000000';
    const result = await commit(before, { ...before, state: 'SendingReports' }, { runId: gone, entries: [{ kind: 'event', type: 'x', text: 'y', time: now }] });
    expect(result).toBeUndefined();
    expect(await model()).toEqual(before);
    expect(await testRun.store.read((repos) => repos.journal.entries(gone, 0, ['event'], 10))).toEqual([]);
  });

  it('writes nothing with a lease epoch older than the run’s, and says the run moved', async () => {
    const before = await model();
    const valuesBefore = await values();
    const sequenceBefore = (await load()).row.lastSequence;
    // Another replica took the run over: its epoch moved on.
    await testRun.store.execute('update runs set lease_epoch = lease_epoch + 1 where id = ?', [testRun.runId], 'run');
    try {
      const stale = { ...withInstances(before, { 'web.3': { vm: 'running' } }), state: 'SendingReports' as const };
      await expect(
        commit(before, stale, { values: new Map([['web.1:url', 'stale']]), entries: [{ kind: 'event', type: 'x', text: 'stale', time: now }] }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(await model()).toEqual(before);
      expect(await values()).toEqual(valuesBefore);
      expect((await load()).row.lastSequence).toBe(sequenceBefore);
    } finally {
      await testRun.store.execute('update runs set lease_epoch = 0 where id = ?', [testRun.runId], 'run');
    }
  });

  it('refuses a transition that adds instances: their seeds are written with them, in a transaction', async () => {
    const before = await model();
    const added = { ...before, instances: [...before.instances, { ...before.instances[0]!, name: 'web.4', index: 4 }] };
    await expect(commit(before, added)).rejects.toThrow(/adds instances/);
  });
});
