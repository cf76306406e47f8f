/**
 * ReplicaRepository on both databases: list() shows every replica but those
 * that ended (stopped or gone) over an hour ago, newest start first; live()
 * only those that have not ended and whose heartbeat is within their lease.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { openTestStore } from '../../../test/helpers/store.js';
import { ControllerReplicaEntity, type ControllerReplicaRow } from '../entities/controller-replica.js';
import type { Store } from '../store.js';

const now = new Date('2026-12-06T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const MINUTE = 60_000;

/** One replica row, started `startedMsAgo` before `now`, with its last heartbeat `heartbeatMsAgo` before it. */
function replica(name: string, state: string, startedMsAgo: number, heartbeatMsAgo: number): ControllerReplicaRow {
  return {
    id: randomUUID(),
    host: name,
    pid: 100,
    address: `${name}:7070`,
    agentAddress: `${name}:7071`,
    version: '0.1.0',
    mode: 'ha',
    state,
    leaseMs: 15_000,
    runsOwned: 2,
    agentsConnected: 3,
    startedAt: ago(startedMsAgo),
    heartbeatAt: ago(heartbeatMsAgo),
  };
}

describe.each(TEST_DATABASES)('controller replicas on %s', (database) => {
  let store: Store;
  let dispose: (() => Promise<void>) | undefined;
  const rows = [
    replica('serving', 'serving', 10 * MINUTE, 1_000),
    replica('starting', 'starting', 1 * MINUTE, 500),
    replica('stale', 'serving', 30 * MINUTE, 20_000),
    replica('stopping', 'stopping', 20 * MINUTE, 2_000),
    replica('just-stopped', 'stopped', 90 * MINUTE, 59 * MINUTE),
    replica('long-stopped', 'stopped', 5 * 60 * MINUTE, 61 * MINUTE),
    replica('just-gone', 'gone', 40 * MINUTE, 5 * MINUTE),
    replica('long-gone', 'gone', 3 * 60 * MINUTE, 2 * 60 * MINUTE),
  ];
  const hosts = (found: ControllerReplicaRow[]) => found.map((r) => r.host);

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(database));
    await store.write(async (_repos, em) => {
      for (const row of rows) em.create(ControllerReplicaEntity, row);
      await em.flush();
    });
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('lists every replica but those that ended over an hour ago, newest start first', async () => {
    const listed = await store.read((repos) => repos.replicas.list(now));
    expect(hosts(listed)).toEqual(['starting', 'serving', 'stopping', 'stale', 'just-gone', 'just-stopped']);
    expect(listed[1]).toEqual(rows[0]);
  });

  it('lists the live replicas: not ended, heartbeat within the lease', async () => {
    expect(hosts(await store.read((repos) => repos.replicas.live(now)))).toEqual(['starting', 'serving', 'stopping']);
  });

  it('lists nothing on a database no replica registered in', async () => {
    const empty = await openTestStore(database);
    try {
      expect(await empty.store.read((repos) => repos.replicas.list(now))).toEqual([]);
    } finally {
      await empty.dispose();
    }
  });
});
