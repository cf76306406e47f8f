/**
 * RunFeed on a real PostgreSQL database: two replicas (each a Store, a
 * RunBus, a PgNotifications and a RunFeed, with ids of their own) share one
 * database. The "owner" commits through the repositories and publishes on its
 * own bus as the run engine does; subscribers on the other replica hear
 * every change once and in order, a lost notice is made up for by the poll,
 * and the owner's subscribers hear nothing twice.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../common/runs/states.js';
import { waitFor } from '../../test/helpers/poll.js';
import { createTestRun, openTestStore } from '../../test/helpers/store.js';
import { RunBus, type JournalView, type RunChange } from '../scheduler/run-bus.js';
import { journalView } from '../scheduler/run-engine.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import { Store } from '../store/store.js';
import { PgNotifications } from './pg-notifications.js';
import { RUN_CHANGES_CHANNEL } from './run-change-notice.js';
import { RunFeed } from './run-feed.js';

const POLL_INTERVAL_MS = 300;
const log = pino({ level: 'silent' });

interface Replica {
  id: string;
  store: Store;
  bus: RunBus;
  notifications: PgNotifications;
  feed: RunFeed;
}

/** What one subscriber heard: journal entries (with the time each came), parameter values by key, states, instances changes. */
interface Heard {
  entries: (JournalView & { at: number })[];
  values: { key: string; value: string }[];
  states: RunChange[];
  instances: number;
  /** The journal as a watch sees it: the backlog read after subscribing, then the live entries after it. */
  backlog: number[];
}

describe('RunFeed: the run bus between replicas on PostgreSQL', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let a: Replica;
  let b: Replica;
  let tenant = 0;
  const cleanups: (() => Promise<void>)[] = [];

  async function startReplica(store: Store): Promise<Replica> {
    const id = randomUUID();
    const notifications = new PgNotifications(opened.url!, log);
    await notifications.start();
    const bus = new RunBus();
    const feed = new RunFeed({ notifications, store, bus, replicaId: id, log, pollIntervalMs: POLL_INTERVAL_MS });
    await feed.start();
    cleanups.push(async () => {
      await feed.stop();
      await notifications.stop();
    });
    return { id, store, bus, notifications, feed };
  }

  beforeAll(async () => {
    opened = await openTestStore('postgres');
    const storeB = await Store.open({ flavour: 'postgresql', location: opened.url! }, log, opened.cipher);
    a = await startReplica(opened.store);
    b = await startReplica(storeB);
    cleanups.push(() => storeB.close());
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await opened?.dispose();
  });

  function newRun(): Promise<string> {
    return createTestRun(
      a.store,
      {
        nodes: [],
        instances: [],
        parameters: [
          { key: 'web.1:url', value: null, secret: false, description: '' },
          { key: 'db.1:password', value: null, secret: true, description: '' },
        ],
      },
      `tenant-${++tenant}`,
    ).then((r) => r.runId);
  }

  /** Subscribes like WatchRun does: first the bus, then the journal's backlog from the database. */
  async function listen(on: Replica, runId: string): Promise<Heard> {
    const heard: Heard = { entries: [], values: [], states: [], instances: 0, backlog: [] };
    on.bus.subscribe(runId, (change) => {
      if (change.kind === 'journal') heard.entries.push(...change.entries.map((e) => ({ ...e, at: Date.now() })));
      if (change.kind === 'state') heard.states.push(change);
      if (change.kind === 'instances') heard.instances++;
    });
    on.bus.subscribeKeys(runId, ['web.1:url', 'db.1:password'], (key, value) => heard.values.push({ key, value }));
    await on.bus.listening(runId);
    const rows = await on.store.read((repos) => repos.journal.entries(runId, 0, ['event', 'parameter', 'log'], 10_000));
    heard.backlog = rows.map((r) => r.sequence);
    return heard;
  }

  /** One commit on `on` through the repositories, published on its bus in the run engine's order (unless `publish` is false: a lost notice). */
  async function commit(on: Replica, runId: string, change: { lines?: number; values?: Record<string, string>; state?: RunState }, publish = true): Promise<number> {
    const values = new Map(Object.entries(change.values ?? {}));
    const secret = new Set([...values.keys()].filter((k) => k.endsWith(':password')));
    const written = await on.store.write(async (repos) => {
      const run = (await repos.runs.findById(runId))!;
      const now = new Date();
      if (values.size > 0) await repos.parameters.updateValues(runId, values, now, secret);
      const entries: JournalEntry[] = [...values].map(([key, value]) => ({ kind: 'parameter', type: 'set', subject: key, text: secret.has(key) ? '********' : value }));
      for (let i = 0; i < (change.lines ?? 0); i++) entries.push({ kind: 'log', type: 'stdout', instance: 'web.1', text: `line ${i}` });
      if (change.state) {
        entries.push({ kind: 'event', type: 'state-changed', text: `${run.state} -> ${change.state}` });
        run.state = change.state;
        run.epoch += 1;
      }
      const rows = repos.journal.append(run, entries);
      await repos.flush();
      return { rows, state: run.state as RunState, epoch: run.epoch, abortMessage: run.abortMessage ?? undefined };
    });
    if (publish) {
      if (written.rows.length > 0) on.bus.publish(runId, { kind: 'journal', entries: written.rows.map(journalView) });
      if (values.size > 0) on.bus.publish(runId, { kind: 'parameters', values: [...values].map(([key, value]) => ({ key, value })) });
      if (change.state) on.bus.publish(runId, { kind: 'state', state: written.state, epoch: written.epoch, abortMessage: written.abortMessage });
    }
    return written.rows.at(-1)?.sequence ?? 0;
  }

  /** Waits until `heard` (backlog and live entries together) reaches sequence `last`; then checks the live entries came once each, in order, right after the backlog. */
  async function expectAllOnce(heard: Heard, last: number): Promise<void> {
    await waitFor(`sequence ${last}`, async () => (Math.max(0, ...heard.backlog, ...heard.entries.map((e) => e.sequence)) >= last ? true : undefined));
    const live = heard.entries.map((e) => e.sequence);
    const firstLive = live[0] ?? last + 1;
    // Live entries may repeat the backlog's last ones (WatchRun skips those), never each other.
    const backlogBefore = heard.backlog.filter((s) => s < firstLive);
    expect([...backlogBefore, ...live]).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  }

  it('a subscriber on another replica hears every entry once and in order, with the parameter values (secrets opened) and the state', async () => {
    const runId = await newRun();
    const onB = await listen(b, runId);
    const onA = await listen(a, runId);
    let last = 0;
    for (let i = 0; i < 60; i++) {
      last = await commit(a, runId, { lines: 1 + (i % 4), values: i % 10 === 0 ? { 'web.1:url': `http://web/${i}` } : {} });
    }
    last = await commit(a, runId, { values: { 'db.1:password': 's3cret' } });
    last = await commit(a, runId, { lines: 2, state: 'Ready' });

    await expectAllOnce(onB, last);
    await expectAllOnce(onA, last);
    await waitFor('the state on B', async () => (onB.states.length > 0 ? true : undefined));
    expect(onB.states).toEqual([{ kind: 'state', state: 'Ready', epoch: 1, abortMessage: undefined }]);
    expect(onA.states).toEqual(onB.states);
    // Values may be coalesced into the latest one, never heard twice in a row, and end at the last committed value.
    const urlsOnB = onB.values.filter((v) => v.key === 'web.1:url').map((v) => v.value);
    expect(urlsOnB.at(-1)).toBe('http://web/50');
    expect(urlsOnB.filter((v, i) => v === urlsOnB[i - 1])).toEqual([]);
    expect(onB.values.filter((v) => v.key === 'db.1:password')).toEqual([{ key: 'db.1:password', value: 's3cret' }]);
    expect(onA.values.map((v) => v.value)).toEqual(['http://web/0', 'http://web/10', 'http://web/20', 'http://web/30', 'http://web/40', 'http://web/50', 's3cret']);
    // The owner's own poll ran meanwhile, and still its subscriber heard nothing twice.
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS * 2));
    await expectAllOnce(onA, last);
    expect(onA.states).toHaveLength(1);
  });

  it('a change whose notice was lost is heard through the poll within its interval', async () => {
    const runId = await newRun();
    const onB = await listen(b, runId);
    await commit(a, runId, { lines: 3 });
    await expectAllOnce(onB, 3);
    const committedAt = Date.now();
    const last = await commit(a, runId, { lines: 5, values: { 'web.1:url': 'http://quiet' } }, false);
    await expectAllOnce(onB, last);
    // The interval, plus the reads of the catch-up on a loaded machine.
    expect(onB.entries.at(-1)!.at - committedAt).toBeLessThan(POLL_INTERVAL_MS + 350);
    await waitFor('the quiet value', async () => (onB.values.some((v) => v.value === 'http://quiet') ? true : undefined));
  });

  it('coalesces a burst of commits into few notices, and the other replica still hears every entry in order', async () => {
    const runId = await newRun();
    const notices: string[] = [];
    const counter = new PgNotifications(opened.url!, log);
    await counter.start();
    await counter.listen(RUN_CHANGES_CHANNEL, (payload) => {
      if (payload.includes(runId)) notices.push(payload);
    });
    try {
      const onB = await listen(b, runId);
      // 300 commits that finish within a tick (the engine's batches on a fast database): written at once, then published one by one.
      const commits = 300;
      const rows = await a.store.write(async (repos) => {
        const run = (await repos.runs.findById(runId))!;
        const appended = repos.journal.append(run, Array.from({ length: commits }, (_, i): JournalEntry => ({ kind: 'log', type: 'stdout', instance: 'web.1', text: `line ${i}` })));
        await repos.flush();
        return appended;
      });
      for (const row of rows) a.bus.publish(runId, { kind: 'journal', entries: [journalView(row)] });
      await expectAllOnce(onB, commits);
      await waitFor('the last notice', async () => (notices.some((n) => (JSON.parse(n) as { seq: number }).seq === commits) ? true : undefined));
      expect(notices.length).toBeLessThanOrEqual(2);
      // A slow commit after it goes out on its own, at once.
      await commit(a, runId, { lines: 1 });
      await expectAllOnce(onB, commits + 1);
      await waitFor('the notice of the slow commit', async () => (notices.some((n) => (JSON.parse(n) as { seq: number }).seq === commits + 1) ? true : undefined));
      for (const notice of notices) expect(Buffer.byteLength(notice)).toBeLessThan(8000);
      expect(JSON.parse(notices.at(-1)!)).toEqual({ run: runId, replica: a.id, seq: commits + 1, kinds: ['journal'] });
    } finally {
      await counter.stop();
    }
  });

  it('when the run moves to the other replica, each side hears the other’s commits once, and instances changes too', async () => {
    const runId = await newRun();
    const onA = await listen(a, runId);
    const onB = await listen(b, runId);
    await commit(a, runId, { lines: 4 });
    // B takes the run over: from now on A's subscribers hear it through the feed.
    await commit(b, runId, { lines: 3, values: { 'web.1:url': 'http://b' } });
    const last = await commit(b, runId, { lines: 2 });
    b.bus.publish(runId, { kind: 'instances' });
    await expectAllOnce(onA, last);
    await expectAllOnce(onB, last);
    await waitFor('the instances change on A', async () => (onA.instances > 0 ? true : undefined));
    await waitFor('the value on A', async () => (onA.values.length > 0 ? true : undefined));
    expect(onA.values).toEqual([{ key: 'web.1:url', value: 'http://b' }]);
    expect(onB.values).toEqual([{ key: 'web.1:url', value: 'http://b' }]);
    expect(onB.instances).toBe(1);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS * 2));
    await expectAllOnce(onA, last);
    await expectAllOnce(onB, last);
    expect(onA.instances).toBe(1);
  });

  it('the owner’s subscribers hear each entry once and in order, whether the poll or the engine’s publish comes first', async () => {
    const runId = await newRun();
    const onA = await listen(a, runId);
    await commit(a, runId, { lines: 2 });
    // The poll reads a commit before the engine publishes it: the late publish is not heard again.
    const rows = await a.store.write(async (repos) => {
      const run = (await repos.runs.findById(runId))!;
      const appended = repos.journal.append(run, [{ kind: 'log', type: 'stdout', text: 'late' }]);
      await repos.flush();
      return appended;
    });
    await expectAllOnce(onA, 3);
    a.bus.publish(runId, { kind: 'journal', entries: rows.map(journalView) });
    // Another replica's commit that A has not heard of yet, then A's own: A's publish waits for the database's order.
    await commit(b, runId, { lines: 2 }, false);
    const last = await commit(a, runId, { lines: 1 });
    await expectAllOnce(onA, last);
    expect(onA.entries.map((e) => e.text)).toEqual(['line 0', 'line 1', 'late', 'line 0', 'line 1', 'line 0']);
  });
});
