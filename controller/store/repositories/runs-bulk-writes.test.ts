/**
 * The bulk writes of a state machine commit (in its transaction): parameter
 * values, each key to its own, and staged journal entries, written on
 * PostgreSQL as one JSON value each, on SQLite as bound values. Values that
 * need quoting arrive as they were sent.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { useTestRun } from '../../../test/helpers/store.js';

const AWKWARD = `it's "quoted", \\back\\slashed, {braced}, ünïcødé\nand on two lines`;

describe.each(TEST_DATABASES)('bulk writes of a commit on %s', (database) => {
  const testRun = useTestRun(database, {
    nodes: [],
    instances: [],
    parameters: ['a', 'b', 'c'].map((n) => ({ key: `web.1:${n}`, value: null, secret: false, description: '' })),
  });

  it('updateParameterValues sets each key to its own value and leaves the others', async () => {
    const now = new Date('2026-11-27T05:00:00.250Z');
    await testRun.store.write((repos) => repos.runs.updateParameterValues(testRun.runId, new Map([['web.1:a', AWKWARD], ['web.1:c', '3']]), now));
    const values = await testRun.store.read((repos) => repos.runs.allParameterValues(testRun.runId));
    expect([...values].map(([k, v]) => [k, v.value]).sort()).toEqual([
      ['web.1:a', AWKWARD],
      ['web.1:b', null],
      ['web.1:c', '3'],
    ]);
    const row = await testRun.store.read((repos) => repos.runs.parameter(testRun.runId, 'web.1:a'));
    expect(row?.updatedAt.toISOString()).toBe(now.toISOString());
  });

  it('flush writes the staged journal entries with their sequence numbers, times and texts', async () => {
    const time = new Date('2026-11-27T05:00:01.125Z');
    await testRun.store.write(async (repos) => {
      repos.runs.stageJournal(testRun.runId, 0, [
        { kind: 'log', type: 'stdout', instance: 'web.1', text: AWKWARD, time },
        { kind: 'event', type: 'state', actor: 'controller', text: 'Provisioning -> Executing', time },
      ]);
      await repos.runs.flush();
    });
    const journal = await testRun.store.read((repos) => repos.runs.journal(testRun.runId, 0, ['log', 'event'], 10));
    expect(journal.map((r) => [r.sequence, r.kind, r.type, r.actor, r.instance, r.text, r.time.toISOString()])).toEqual([
      [1, 'log', 'stdout', '', 'web.1', AWKWARD, time.toISOString()],
      [2, 'event', 'state', 'controller', '', 'Provisioning -> Executing', time.toISOString()],
    ]);
  });
});
