/**
 * Run requests between two replicas on a real PostgreSQL: each replica has
 * its own notification connection, client and server; the run engine of the
 * owner is a fake that records what it was asked to apply.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '../../common/errors.js';
import { createTestRun, openTestStore } from '../../test/helpers/store.js';
import type { RunInput } from '../domain/runs/types.js';
import type { SetOutcome } from '../scheduler/run-batch.js';
import { LeaseLostError } from '../scheduler/run-ownership.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { Store } from '../store/store.js';
import { PgNotifications } from './pg-notifications.js';
import { PgPoolExecutor, RunRequestClient, RunRequestServer, type LocalRuns, type RunRequestClientOptions } from './run-requests.js';

const log = pino({ level: 'silent' });

/** A run engine that records each call (applied only once `gate` lets it) and fails with `failure` when set. */
class RecordingRuns implements LocalRuns {
  readonly dispatched: RunInput[] = [];
  readonly sets: { sets: { key: string; value: string }[]; actor: string }[] = [];
  readonly logs: JournalEntry[][] = [];
  gate: Promise<void> = Promise.resolve();
  failure: (() => Error) | undefined;
  outcome: SetOutcome = { changes: [], unknown: [] };

  async dispatch(_runId: string, input: RunInput): Promise<unknown> {
    await this.gate;
    if (this.failure) throw this.failure();
    this.dispatched.push(input);
    return { state: 'not sent back' };
  }

  async setParameters(_runId: string, sets: { key: string; value: string }[], actor: string): Promise<SetOutcome> {
    await this.gate;
    if (this.failure) throw this.failure();
    this.sets.push({ sets, actor });
    return this.outcome;
  }

  async appendLogs(_runId: string, entries: JournalEntry[]): Promise<void> {
    await this.gate;
    if (this.failure) throw this.failure();
    this.logs.push(entries);
  }
}

interface Replica {
  id: string;
  client: RunRequestClient;
  server: RunRequestServer;
  local: RecordingRuns;
  owning: boolean;
}

/** Notifications that never arrive: a replica on it hears of requests and answers only by polling and sweeping. */
const deafNotifications = { listen: () => Promise.resolve(() => undefined), onReconnect: () => () => undefined };

let store: Store;
let url: string;
let dispose: () => Promise<void>;
let db: PgPoolExecutor;
let runId: string;
let tenants = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const opened = await openTestStore('postgres');
  ({ store, dispose } = opened);
  url = opened.url!;
  db = new PgPoolExecutor(url);
  runId = await newRun();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await db.close();
  await dispose();
});

async function newRun(): Promise<string> {
  return (await createTestRun(store, { nodes: [], instances: [], parameters: [] }, `tenant${++tenants}`)).runId;
}

/** A replica with its own notification connection; its server is not started when `started` is false. */
async function replica(options: { owning: boolean; deaf?: boolean; started?: boolean; client?: Partial<RunRequestClientOptions>; sweepMs?: number }): Promise<Replica> {
  let notifications: Pick<PgNotifications, 'listen' | 'onReconnect'> = deafNotifications;
  if (!options.deaf) {
    const connection = new PgNotifications(url, log);
    await connection.start();
    cleanups.push(() => connection.stop());
    notifications = connection;
  }
  const id = randomUUID();
  const local = new RecordingRuns();
  const client = new RunRequestClient({ db, notifications, replicaId: id, log, ...options.client });
  const replica: Replica = { id, client, local, owning: options.owning, server: undefined as unknown as RunRequestServer };
  replica.server = new RunRequestServer({ db, notifications, local, log, owns: () => Promise.resolve(replica.owning), sweepMs: options.sweepMs });
  await client.start();
  cleanups.push(() => client.stop());
  if (options.started !== false) await replica.server.start();
  cleanups.push(() => replica.server.stop());
  return replica;
}

function requestRows(askedBy: string): Promise<{ count: string }[]> {
  return db.execute<{ count: string }>('select count(*) from run_requests where asked_by = ?', [askedBy]);
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('run requests between replicas', () => {
  it('a dispatch reaches the owner and resolves only after the owner applied it', async () => {
    const asker = await replica({ owning: false });
    const owner = await replica({ owning: true });
    let open!: () => void;
    owner.local.gate = new Promise((resolve) => (open = resolve));
    let resolved = false;
    const call = asker.client.dispatch(runId, { type: 'abort', message: 'stop', actor: 'user:alice' }).then(() => (resolved = true));
    await waitFor(() => requestRowsClaimed(asker.id));
    expect(resolved).toBe(false);
    open();
    await call;
    expect(owner.local.dispatched).toEqual([{ type: 'abort', message: 'stop', actor: 'user:alice' }]);
    expect(asker.local.dispatched).toEqual([]);
    expect(await requestRows(asker.id)).toEqual([{ count: '0' }]);
  });

  it('parameter sets come back with the owner’s outcome, one engine call per actor; log lines keep their Date', async () => {
    const asker = await replica({ owning: false });
    const owner = await replica({ owning: true });
    owner.local.outcome = { changes: [{ key: 'node.1:db_host', value: '10.0.0.5' }], unknown: ['nope'] };
    const outcome = await asker.client.setParameters(runId, [
      { key: 'node.1:db_host', value: '10.0.0.5', actor: 'agent:node.1' },
      { key: 'nope', value: 'x', actor: 'agent:node.1' },
      { key: 'node.1:db_host', value: '10.0.0.6', actor: 'user:bob' },
    ]);
    expect(outcome).toEqual({ changes: [{ key: 'node.1:db_host', value: '10.0.0.5' }], unknown: ['nope'] });
    expect(owner.local.sets).toEqual([
      { actor: 'agent:node.1', sets: [{ key: 'node.1:db_host', value: '10.0.0.5' }, { key: 'nope', value: 'x' }] },
      { actor: 'user:bob', sets: [{ key: 'node.1:db_host', value: '10.0.0.6' }] },
    ]);
    const time = new Date('2026-12-06T10:11:12.345Z');
    await asker.client.appendLogs(runId, [{ kind: 'log', type: 'stdout', instance: 'node.1', text: 'hello', time }]);
    expect(owner.local.logs).toEqual([[{ kind: 'log', type: 'stdout', instance: 'node.1', text: 'hello', time }]]);
    expect(owner.local.logs[0]![0]!.time).toBeInstanceOf(Date);
  });

  it('a domain error on the owner comes back as the same class with its details; any other error as a plain one', async () => {
    const asker = await replica({ owning: false });
    const owner = await replica({ owning: true });
    const violations = [{ field: 'sets[0].key', description: 'must name a parameter' }];
    owner.local.failure = () => new InvalidArgumentError(violations);
    const invalid = await asker.client.setParameters(runId, [{ key: '', value: 'x', actor: 'user:bob' }]).catch((err: unknown) => err);
    expect(invalid).toBeInstanceOf(InvalidArgumentError);
    expect((invalid as InvalidArgumentError).violations).toEqual(violations);
    expect((invalid as InvalidArgumentError).message).toBe('sets[0].key: must name a parameter');

    owner.local.failure = () => new FailedPreconditionError('RUN_FINAL', 'runs/1', 'the run is Done');
    const precondition = await asker.client.dispatch(runId, { type: 'tick' }).catch((err: unknown) => err);
    expect(precondition).toBeInstanceOf(FailedPreconditionError);
    expect(precondition).toMatchObject({ reason: 'RUN_FINAL', subject: 'runs/1', message: 'the run is Done' });

    owner.local.failure = () => new TypeError('boom');
    const other = await asker.client.dispatch(runId, { type: 'tick' }).catch((err: unknown) => err);
    expect(other).toBeInstanceOf(Error);
    expect(other).not.toBeInstanceOf(TypeError);
    expect((other as Error).message).toBe("failed on the run's controller replica (TypeError): boom");
  });

  it('requests made while no owner runs are served, in order, once it starts', async () => {
    const asker = await replica({ owning: false });
    const owner = await replica({ owning: true, started: false });
    const calls = [1, 2, 3, 4, 5].map((i) => asker.client.dispatch(runId, { type: 'abort', message: `m${i}`, actor: 'user:alice' }));
    await waitFor(async () => (await requestRows(asker.id))[0]!.count === '5');
    await owner.server.start();
    await Promise.all(calls);
    expect(owner.local.dispatched.map((input) => (input as { message: string }).message)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('two servers that both believe they own the run never apply one request twice', async () => {
    const asker = await replica({ owning: false });
    const first = await replica({ owning: true });
    const second = await replica({ owning: true });
    const messages = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const calls = messages.map((message) => asker.client.dispatch(runId, { type: 'abort', message, actor: 'user:alice' }));
    // Beside their notifications, both go after the run again and again while the requests come in.
    const racing = Array.from({ length: 10 }, () => [first.server.serveRun(runId), second.server.serveRun(runId), first.server.sweep(), second.server.sweep()]).flat();
    await Promise.all([...calls, ...racing]);
    const applied = [...first.local.dispatched, ...second.local.dispatched].map((input) => (input as { message: string }).message);
    expect(applied.sort()).toEqual([...messages].sort());
  });

  it('a request the owner loses the run with is left for the new owner, who applies it', async () => {
    const asker = await replica({ owning: false });
    const old = await replica({ owning: true });
    const next = await replica({ owning: false });
    old.local.failure = () => {
      old.owning = false;
      next.owning = true;
      return new LeaseLostError(runId);
    };
    await asker.client.dispatch(runId, { type: 'terminate', actor: 'user:alice' });
    expect(old.local.dispatched).toEqual([]);
    expect(next.local.dispatched).toEqual([{ type: 'terminate', actor: 'user:alice' }]);
  });

  it('without an answer in time, the call fails UNAVAILABLE and withdraws its request', async () => {
    const asker = await replica({ owning: false, client: { deadlineMs: 300 } });
    const started = Date.now();
    const err = await asker.client.dispatch(runId, { type: 'tick' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe("the run's controller replica did not answer within 0.3 s");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await requestRows(asker.id)).toEqual([{ count: '0' }]);
  });

  it('a request the owner took but did not finish in time fails UNAVAILABLE saying it may have been applied', async () => {
    const asker = await replica({ owning: false, client: { deadlineMs: 300 } });
    const owner = await replica({ owning: true });
    let open!: () => void;
    owner.local.gate = new Promise((resolve) => (open = resolve));
    const err = await asker.client.dispatch(runId, { type: 'tick' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toBe("the run's controller replica took the request but did not finish it within 0.3 s; it may or may not have applied it");
    open();
    await waitFor(() => owner.local.dispatched.length === 1);
    // The late answer finds no row to write into, and leaves none behind.
    await owner.server.sweep();
    expect(await requestRows(asker.id)).toEqual([{ count: '0' }]);
  });

  it('serveRun applies the requests of a run this replica takes on, without a notification', async () => {
    const asker = await replica({ owning: false });
    const owner = await replica({ owning: false, deaf: true, sweepMs: 60_000 });
    const call = asker.client.dispatch(runId, { type: 'launch' });
    await waitFor(async () => (await requestRows(asker.id))[0]!.count === '1');
    owner.owning = true;
    await owner.server.serveRun(runId);
    await call;
    expect(owner.local.dispatched).toEqual([{ type: 'launch' }]);
  });

  it('missed notifications only delay: the owner finds the request on its sweep and the asker the answer on its poll', async () => {
    const asker = await replica({ owning: false, deaf: true, client: { pollMs: 100 } });
    const owner = await replica({ owning: true, deaf: true, sweepMs: 200 });
    await asker.client.appendLogs(runId, [{ kind: 'log', type: 'stdout', text: 'late but there' }]);
    expect(owner.local.logs).toEqual([[{ kind: 'log', type: 'stdout', text: 'late but there' }]]);
  });

  it('a run that does not exist resolves as the engine would: nothing applied, every key unknown', async () => {
    const asker = await replica({ owning: false });
    const missing = randomUUID();
    await expect(asker.client.dispatch(missing, { type: 'tick' })).resolves.toBeUndefined();
    await expect(asker.client.setParameters(missing, [{ key: 'a', value: '1', actor: 'user:bob' }])).resolves.toEqual({ changes: [], unknown: ['a'] });
  });
});

async function requestRowsClaimed(askedBy: string): Promise<boolean> {
  const [row] = await db.execute<{ count: string }>('select count(*) from run_requests where asked_by = ? and answered_at is not null', [askedBy]);
  return row!.count === '1';
}
