/**
 * RunParameterRepository.commitSets, the write of a batch of parameter sets and log lines
 * (one statement on PostgreSQL): values, journal sequence numbers taken from
 * the run row, nothing written for a run that is gone, and nothing written
 * with a lease epoch the run moved past (fenced).
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { useTestRun } from '../../../test/helpers/store.js';
import { LeaseLostError } from '../lease-lost.js';

describe.each(TEST_DATABASES)('parameters.commitSets on %s', (database) => {
  const testRun = useTestRun(database, {
    nodes: [],
    instances: [],
    parameters: [
      { key: 'db.1:url', value: null, secret: false, description: '' },
      { key: 'web.1:db_url', value: 'old', secret: false, description: '' },
      { key: 'db.1:password', value: null, secret: true, description: '' },
    ],
  });

  const values = () => testRun.store.read(async (repos) => new Map([...(await repos.parameters.allValues(testRun.runId))].map(([k, v]) => [k, v.value])));
  const now = new Date('2026-11-26T12:00:00.123Z');

  it('writes the values and journals the entries after the run’s last sequence number, in order', async () => {
    const entry = (subject: string, text: string) => ({ kind: 'parameter' as const, type: 'set', actor: 'agent:db.1', subject, text, time: now });
    const first = await testRun.store.writeStatement((repos) =>
      repos.parameters.commitSets(testRun.runId, 0, new Map([['db.1:url', 'pg://db'], ['web.1:db_url', 'pg://db']]), [entry('db.1:url', 'pg://db'), entry('web.1:db_url', 'pg://db')], now, new Set()),
    );
    expect(first?.map((r) => [r.sequence, r.subject])).toEqual([
      [1, 'db.1:url'],
      [2, 'web.1:db_url'],
    ]);
    const second = await testRun.store.writeStatement((repos) =>
      repos.parameters.commitSets(testRun.runId, 0, new Map([['db.1:password', 's3cret']]), [entry('db.1:password', '********'), { kind: 'log', type: 'stdout', instance: 'db.1', text: 'ready', time: now }], now, new Set(['db.1:password'])),
    );
    expect(second?.map((r) => r.sequence)).toEqual([3, 4]);

    expect(await values()).toEqual(new Map([['db.1:url', 'pg://db'], ['web.1:db_url', 'pg://db'], ['db.1:password', 's3cret']]));
    // The secret key's value is stored sealed, the others as they are.
    const stored = (await testRun.store.read((_repos, em) =>
      em.getConnection().execute(`select "key", "value" from run_parameters where run_id = ? order by "key"`, [testRun.runId]),
    )) as { key: string; value: string }[];
    expect(stored.find((r) => r.key === 'db.1:password')?.value).toMatch(/^ss1:/);
    expect(stored.find((r) => r.key === 'db.1:url')?.value).toBe('pg://db');
    const journal = await testRun.store.read((repos) => repos.journal.entries(testRun.runId, 0, ['parameter', 'log'], 100));
    expect(journal.map((r) => [r.sequence, r.kind, r.subject || r.instance, r.text, r.time.toISOString()])).toEqual([
      [1, 'parameter', 'db.1:url', 'pg://db', now.toISOString()],
      [2, 'parameter', 'web.1:db_url', 'pg://db', now.toISOString()],
      [3, 'parameter', 'db.1:password', '********', now.toISOString()],
      [4, 'log', 'db.1', 'ready', now.toISOString()],
    ]);
    const run = await testRun.store.read((repos) => repos.runs.findById(testRun.runId));
    expect(run?.lastSequence).toBe(4);
  });

  it('writes nothing for a run that does not exist', async () => {
    const before = await values();
    const gone = '00000000-0000-4000-8000-000000000000';
    const result = await testRun.store.writeStatement((repos) =>
      repos.parameters.commitSets(gone, 0, new Map([['db.1:url', 'elsewhere']]), [{ kind: 'event', type: 'x', text: 'y', time: now }], now, new Set()),
    );
    expect(result).toBeUndefined();
    expect(await values()).toEqual(before);
    expect(await testRun.store.read((repos) => repos.journal.entries(gone, 0, ['event'], 10))).toEqual([]);
  });

  it('writes nothing with a lease epoch older than the run’s, and says the run moved', async () => {
    const before = await values();
    const sequence = async () => (await testRun.store.read((repos) => repos.runs.findById(testRun.runId)))?.lastSequence;
    const sequenceBefore = await sequence();
    // Another replica took the run over: its epoch moved on.
    await testRun.store.execute('update runs set lease_epoch = lease_epoch + 1 where id = ?', [testRun.runId], 'run');
    await expect(
      testRun.store.writeStatement((repos) =>
        repos.parameters.commitSets(testRun.runId, 0, new Map([['db.1:url', 'stale']]), [{ kind: 'event', type: 'x', text: 'stale', time: now }], now, new Set()),
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await values()).toEqual(before);
    expect(await sequence()).toBe(sequenceBefore);
    await testRun.store.execute('update runs set lease_epoch = 0 where id = ?', [testRun.runId], 'run');
  });
});
