/**
 * Deleted runs leave nothing in a replica's memory (issue 20, "HA held-lease
 * list leak"): a final run stays in the held leases until it is deleted, by
 * this replica (DeleteRun, the sweep) or by another one (this replica's
 * sweep finds it gone); its agents' sessions left here are ended; the live
 * runs stay held.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { seedFinishedRuns } from '../../test/helpers/finished-runs.js';
import { NO_REMOTE } from '../../test/helpers/ownership.js';
import { openTestStore } from '../../test/helpers/store.js';
import { AgentHub } from '../scheduler/agent-hub.js';
import { RunBus } from '../scheduler/run-bus.js';
import { RunDeletion } from '../scheduler/run-deletion.js';
import { RunEngine } from '../scheduler/run-engine.js';
import { RunRetention } from '../scheduler/run-retention.js';
import type { Store } from '../store/store.js';
import { hostKeyOf, type ReplicaIdentity } from './replica-identity.js';
import { replicaRunMemory } from './replica-run-memory.js';
import { RunLeases } from './run-leases.js';

const log = pino({ level: 'silent' });

describe.each(TEST_DATABASES)('run memory of deleted runs on %s', (database) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let dataDir: string;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(database));
    dataDir = mkdtempSync(join(tmpdir(), 'slipstream-run-memory-'));
  });
  afterAll(async () => {
    await dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('drops the held leases, caches and sessions of runs deleted here or by another replica', async () => {
    const tenantId = (await store.write((repos) => repos.tenants.create({ name: 'mem', displayName: 'mem', operator: false }))).id;
    const live = (await seedFinishedRuns(store, tenantId, 2, { state: 'Ready', vm: 'running' })).map((r) => r.runId);
    const finished = (await seedFinishedRuns(store, tenantId, 3, { state: 'Done' })).map((r) => r.runId);
    const self: ReplicaIdentity = {
      id: randomUUID(),
      host: 'test',
      pid: process.pid,
      hostKey: hostKeyOf(dataDir),
      address: '127.0.0.1:1',
      agentAddress: '127.0.0.1:1',
      version: 'test',
      mode: 'single',
      leaseMs: 30_000,
    };
    const leases = new RunLeases(store, self);
    expect((await leases.claimAll()).sort()).toEqual([...live].sort());
    // Launched and finished while this replica ran: held since, as nothing hands a final run's lease back.
    for (const runId of finished) await leases.placed(runId, { holder: self.id, epoch: 1, binding: null });
    expect(leases.count).toBe(5);
    const hub = new AgentHub();
    const engine = new RunEngine({ store, bus: new RunBus(), hub, log, effects: () => ({ provision: async () => undefined, destroy: async () => undefined }), ownership: leases, remote: NO_REMOTE });
    const closed: string[] = [];
    // An agent of a finished run that came back: the engine would never push to it again.
    // As a real session does: closing it ends its stream, which unregisters it.
    const unregister: () => void = hub.register(finished[0]!, 'web.1', {
      send: () => undefined,
      close: () => {
        closed.push('web.1');
        unregister();
      },
    });
    expect(hub.connected).toBe(1);

    const here = new RunDeletion(store, dataDir, log, [replicaRunMemory(leases, engine)]);
    expect(await here.delete([finished[0]!])).toEqual([finished[0]]);
    expect(leases.remembered()).not.toContain(finished[0]);
    expect(closed).toEqual(['web.1']);
    expect(leases.count).toBe(4);

    // Another replica deletes two of them; this one's sweep finds them gone.
    const elsewhere = new RunDeletion(store, dataDir, log);
    expect((await elsewhere.delete(finished.slice(1))).sort()).toEqual(finished.slice(1).sort());
    expect(leases.count).toBe(4);
    const sweep = new RunRetention(store, here, { retentionDays: 30, intervalMs: 3600_000, batchSize: 100 }, log, { runsSingletonWork: async () => false });
    expect(await sweep.sweep()).toEqual({ runs: 0, reportFolders: 0, remnants: 2 });
    expect(leases.remembered().sort()).toEqual([...live].sort());
    expect(leases.count).toBe(2);
    for (const runId of live) expect(engine.owns(runId)).toBe(true);
    expect(engine.remembered()).toEqual([]);
    expect(hub.connected).toBe(0);

    // Nothing left: the next sweep finds nothing.
    expect(await sweep.sweep()).toEqual({ runs: 0, reportFolders: 0, remnants: 0 });
  });

  it('forgets a run lost while alone once it is deleted', async () => {
    const tenantId = (await store.write((repos) => repos.tenants.create({ name: 'lost', displayName: 'lost', operator: false }))).id;
    const [gone] = (await seedFinishedRuns(store, tenantId, 1, { state: 'Cancelled' })).map((r) => r.runId);
    const leases = new RunLeases(store, { id: randomUUID(), host: 'test', pid: process.pid, hostKey: hostKeyOf(dataDir), address: '', agentAddress: '', version: 'test', mode: 'single', leaseMs: 30_000 });
    await leases.claimAll();
    leases.lost(gone!);
    expect(leases.remembered()).toContain(gone);
    const engine = new RunEngine({ store, bus: new RunBus(), hub: new AgentHub(), log, effects: () => ({ provision: async () => undefined, destroy: async () => undefined }), ownership: leases, remote: NO_REMOTE });
    await new RunDeletion(store, dataDir, log, [replicaRunMemory(leases, engine)]).delete([gone!]);
    expect(leases.remembered()).not.toContain(gone);
  });
});
