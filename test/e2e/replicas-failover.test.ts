/**
 * Failover between controller replicas (issue 19), with real processes on
 * one PostgreSQL database and `local` VMs: the owner of a run in Executing
 * dies (SIGKILL), is paused past its lease (SIGSTOP, then SIGCONT) or stops
 * cleanly (SIGTERM); another replica takes the run, its agents follow, the
 * ss-get waits return, no phase runs twice, nothing committed is lost, and
 * a paused owner that wakes up writes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunParameter, SlipstreamClient } from '../../client/index.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { waitFor } from '../helpers/poll.js';
import { startReplicas, type Replica, type ReplicaSet } from '../helpers/replicas.js';

const INSTANCES = ['web.1', 'web.2'];
const PHASES = ['preinstall', 'postinstall', 'deployment', 'reporting'];
const COUNT = (phase: string) => `echo ${phase} >> "$PWD/phases.log"`;
/** What a replica logs when a fenced write makes it let go of a run (RunEngine.lose). */
const FENCED = 'another controller replica drives this run now; let go of it';
/** What it logs when its heartbeat finds it was declared gone (ReplicaMembership). */
const DECLARED_GONE = 'this replica’s lease lapsed and another replica declared it gone: let go of every run';

describe.sequential('replica failover', () => {
  let set: ReplicaSet;

  beforeAll(async () => {
    set = await startReplicas(3);
    const client = set.replicas[0]!.client;
    await client.modules.save({
      kind: 'component',
      path: 'failover/worker',
      images: { local: 'local' },
      resources: {},
      recipes: {
        preinstall: COUNT('preinstall'),
        postinstall: COUNT('postinstall'),
        deployment: `${COUNT('deployment')}\nss-display waiting\nss-get --timeout 0 release > released.txt\nss-set result "$(cat released.txt)-done"`,
        reporting: COUNT('reporting'),
      },
      parameters: [
        { name: 'release', category: 'input', type: 'string' },
        { name: 'result', category: 'output', type: 'string' },
        // Set by the operator through a paused owner: its set reaches the owner only once it wakes up, fenced off.
        { name: 'note', category: 'input', type: 'string' },
      ],
    });
    await client.modules.save({
      kind: 'application',
      path: 'failover/app',
      nodes: [{ name: 'web', component: 'failover/worker', multiplicity: INSTANCES.length, maxProvisioningFailures: 0, mappings: {} }],
    });
  }, 60_000);

  afterAll(async () => {
    await set?.stop();
  }, 30_000);

  const live = () => set.replicas.filter((r) => r.alive());
  const otherThan = (...ids: string[]) => live().find((r) => !ids.includes(r.replicaId))!;

  /** Launches a run through `via` and waits until every instance waits in ss-get; returns it with its owner. */
  async function launchWaitingRun(via: Replica, tag: string): Promise<{ runId: string; owner: Replica; epoch: number }> {
    const run = await via.client.runs.launch({ module: 'failover/app', tags: [tag], timeoutMinutes: 10 });
    await waitFor(`run ${tag}: every instance waiting in Executing`, async () => {
      // Only the replica an agent is connected to sees it connected: ask the owner.
      const owner = set.byId((await set.holderOf(run.id)).holder!);
      const now = await owner.client.runs.get(run.id);
      const instances = now.nodes.flatMap((n) => n.instances);
      return now.state === 'Executing' && instances.every((i) => i.stateCustom === 'waiting' && i.agentConnected) ? true : undefined;
    }, 60_000);
    const lease = await set.holderOf(run.id);
    // The agents must know every replica, or the owner's death would strand them.
    for (const instance of INSTANCES) {
      const config = JSON.parse(readFileSync(join(await localVmWorkDir(set.dataDir, run.id, instance), 'agent.json'), 'utf8')) as { controllerAddresses?: string[] };
      expect(config.controllerAddresses, `${instance}'s controller addresses`).toHaveLength(live().length);
    }
    return { runId: run.id, owner: set.byId(lease.holder!), epoch: lease.epoch };
  }

  /** What a run has committed, through any replica: events and parameters (the values the agents set, never recomputed). */
  async function committed(client: SlipstreamClient, runId: string): Promise<{ events: RunEvent[]; parameters: RunParameter[] }> {
    return { events: await client.runs.events(runId), parameters: await client.runs.listParameters(runId) };
  }

  async function releaseAndReachReady(client: SlipstreamClient, runId: string): Promise<void> {
    for (const instance of INSTANCES) await client.runs.setParameter(runId, `${instance}:release`, 'go');
    await waitFor('the run to reach Ready', async () => ((await client.runs.get(runId)).state === 'Ready' ? true : undefined), 60_000);
  }

  /** Every phase ran once on every instance; the ss-get waiters returned; nothing committed before was lost or changed. */
  async function expectCompletedIntact(client: SlipstreamClient, runId: string, before: { events: RunEvent[]; parameters: RunParameter[] }): Promise<void> {
    const after = await committed(client, runId);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    expect(after.events.some((e) => e.type === 'state' && e.toState === 'Ready')).toBe(true);
    const valuesAfter = new Map(after.parameters.map((p) => [p.key, p]));
    for (const parameter of before.parameters) {
      // ss:state and the :complete flags move on with the run by design.
      if (parameter.set && parameter.key !== 'ss:state' && !parameter.key.endsWith(':complete')) expect(valuesAfter.get(parameter.key)?.value, parameter.key).toBe(parameter.value);
    }
    for (const instance of INSTANCES) {
      expect(valuesAfter.get(`${instance}:result`)?.value, `${instance}:result`).toBe('go-done');
      const phases = readFileSync(join(await localVmWorkDir(set.dataDir, runId, instance), 'home', 'phases.log'), 'utf8').trim().split('\n');
      expect(phases, `${instance}'s phases`).toEqual(PHASES);
    }
  }

  it('(a, d) SIGKILL of the owner: another replica takes the run within the lease plus 5 s; work sent to a non-owner and a watch on it carry it to Ready', async () => {
    const { runId, owner } = await launchWaitingRun(set.replicas[0]!, 'kill');
    const survivor = otherThan(owner.replicaId);
    const before = await committed(survivor.client, runId);

    const killedAt = performance.now();
    owner.proc.child.kill('SIGKILL');
    await owner.proc.exited;
    const newOwner = await waitFor('another replica to hold the run', async () => {
      const { holder } = await set.holderOf(runId);
      return holder && holder !== owner.replicaId ? set.byId(holder) : undefined;
    }, (set.leaseSeconds + 10) * 1000);
    const takeoverMs = performance.now() - killedAt;
    console.log(`takeover after SIGKILL: ${Math.round(takeoverMs)} ms (lease ${set.leaseSeconds} s)`);
    expect(newOwner.alive()).toBe(true);
    expect(takeoverMs).toBeLessThanOrEqual((set.leaseSeconds + 5) * 1000);

    // (d) The watch and the releases go through the replica that does not own the run: the feed and run_requests.
    const bystander = otherThan(owner.replicaId, newOwner.replicaId);
    const watch = new AbortController();
    const updates = bystander.client.runs.watch(runId, { signal: watch.signal })[Symbol.asyncIterator]();
    expect((await updates.next()).value?.update?.$case).toBe('snapshot');
    const heardReady = (async () => {
      for (;;) {
        const { value, done } = await updates.next();
        if (done) return false;
        if (value.update?.$case === 'stateChanged' && value.update.value.to === RunState.RUN_STATE_READY) return true;
      }
    })();
    await waitFor('the agents to reconnect to the new owner', async () => {
      const run = await newOwner.client.runs.get(runId);
      return run.nodes.flatMap((n) => n.instances).every((i) => i.agentConnected) ? true : undefined;
    }, 30_000);
    await releaseAndReachReady(bystander.client, runId);
    expect(await heardReady).toBe(true);
    watch.abort();
    await expectCompletedIntact(bystander.client, runId, before);
  }, 120_000);

  it('(b) SIGSTOP past the lease, then SIGCONT: the stale owner commits nothing and lets go of the run', async () => {
    const { runId, owner, epoch } = await launchWaitingRun(live()[0]!, 'pause');
    const before = await committed(otherThan(owner.replicaId).client, runId);

    owner.proc.child.kill('SIGSTOP');
    let resumed = false;
    try {
      const taken = await waitFor('another replica to take the paused owner’s run', async () => {
        const lease = await set.holderOf(runId);
        return lease.holder && lease.holder !== owner.replicaId ? lease : undefined;
      }, (set.leaseSeconds + 10) * 1000);
      expect(taken.epoch).toBeGreaterThan(epoch);
      expect(await set.stateOf(owner.replicaId)).toBe('gone');
      const rowsWhilePaused = await journalAndParameters(runId);

      // Woken, the owner would first learn from its heartbeat that it was declared gone; holding the heartbeats back
      // makes it try to commit a set first (it arrives in its socket while paused), which the fence must refuse.
      const logFrom = owner.proc.stdout().length;
      const woken = () => owner.proc.stdout().slice(logFrom);
      await withReplicaWritesHeld(set.databaseUrl, async () => {
        const setThroughStaleOwner = owner.client.runs.setParameter(runId, 'web.1:note', 'late', { deadline: new Date(Date.now() + 10_000) });
        owner.proc.child.kill('SIGCONT');
        resumed = true;
        // Answered once the new owner applied it: the stale owner's write was fenced off and handed over.
        expect((await setThroughStaleOwner).value).toBe('late');
        expect(woken()).toContain(FENCED);
        expect(woken()).not.toContain(DECLARED_GONE);
      });
      await waitFor('the woken owner to learn it was declared gone', async () => (woken().includes(DECLARED_GONE) ? true : undefined), 15_000);
      await waitFor('the woken owner to serve again', async () => ((await set.stateOf(owner.replicaId)) === 'serving' ? true : undefined), 15_000);
      const newOwner = set.byId(taken.holder!);
      await waitFor('the agents to reconnect to the new owner', async () => {
        const run = await newOwner.client.runs.get(runId);
        return run.nodes.flatMap((n) => n.instances).every((i) => i.agentConnected) ? true : undefined;
      }, 30_000);

      expect(await set.holderOf(runId)).toEqual(taken);
      const rowsAfter = await journalAndParameters(runId);
      expect(rowsAfter.sequences).toEqual(rowsAfter.sequences.map((_, i) => i + 1));
      // The only change: the forwarded set, committed once by the new owner (a parameter row and its journal entry).
      const isNote = (row: Record<string, unknown>) => row.subject === 'web.1:note' || row.key === 'web.1:note';
      expect(rowsAfter.journal.filter((row) => !isNote(row))).toEqual(rowsWhilePaused.journal);
      expect(rowsAfter.journal.filter(isNote).map((row) => [row.kind, row.text])).toEqual([['parameter', 'late']]);
      expect(rowsAfter.parameters.filter((row) => !isNote(row))).toEqual(rowsWhilePaused.parameters.filter((row) => !isNote(row)));
      expect(rowsAfter.parameters.find(isNote)?.value).toBe('late');

      await releaseAndReachReady(owner.client, runId);
      await expectCompletedIntact(newOwner.client, runId, before);
      expect(await set.holderOf(runId)).toEqual(taken);
    } finally {
      if (!resumed) owner.proc.child.kill('SIGCONT');
    }
  }, 120_000);

  it('(c) SIGTERM of the owner: its runs are handed over at once, far within the lease', async () => {
    const { runId, owner } = await launchWaitingRun(live()[0]!, 'stop');
    const before = await committed(owner.client, runId);

    const stoppedAt = performance.now();
    owner.proc.child.kill('SIGTERM');
    const newOwner = await waitFor('another replica to hold the run', async () => {
      const { holder } = await set.holderOf(runId);
      return holder && holder !== owner.replicaId ? set.byId(holder) : undefined;
    }, (set.leaseSeconds + 10) * 1000);
    const handoverMs = performance.now() - stoppedAt;
    console.log(`handover after SIGTERM: ${Math.round(handoverMs)} ms (lease ${set.leaseSeconds} s)`);
    expect(handoverMs).toBeLessThan(2_000);
    expect(await owner.proc.exited).toBe(0);
    expect(await set.stateOf(owner.replicaId)).toBe('stopped');

    await releaseAndReachReady(newOwner.client, runId);
    await expectCompletedIntact(newOwner.client, runId, before);
  }, 90_000);

  /** A run's journal (sequence order) and parameter rows, read straight from the database. */
  async function journalAndParameters(runId: string) {
    const journal = await set.select(`select id, sequence, kind, type, subject, text from run_journal where run_id = ? order by sequence`, [runId]);
    const parameters = await set.select(`select key, value, updated_at from run_parameters where run_id = ? order by key`, [runId]);
    return { sequences: journal.map((row) => Number(row.sequence)), journal, parameters };
  }
});

/**
 * Runs `body` while no replica can write controller_replicas (heartbeats,
 * declaring others gone, reviving): a lock that lets reads through, held
 * in a transaction of the test's own. Keep `body` short: the replicas'
 * heartbeats wait meanwhile (longer than a lease would let them expire
 * one another once it is released).
 */
async function withReplicaWritesHeld(databaseUrl: string, body: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('lock table controller_replicas in exclusive mode');
    await body();
  } finally {
    await client.query('commit').catch(() => undefined);
    await client.end();
  }
}
