/**
 * WatchRuns (the run list, pushed) and WatchRun's log_instance and
 * caught_up on a real controller with local VMs, on SQLite and PostgreSQL:
 * the current runs newest first, then synced; a launch appears and its
 * states arrive; terminate brings the final state, delete `removed`; a
 * filtered watch sees only its runs and `removed` when one leaves the
 * filter; another tenant never sees them; a cancelled watch frees its
 * stream slot; bad input names its field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, ResourceExhaustedError, type SlipstreamClient } from '../../client/index.js';
import type { RunUpdate } from '../../client/services/run-types.js';
import { RunState, WatchRunsRequest } from '../../proto/gen/slipstream/v1/runs.js';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { RunListRecorder } from '../helpers/run-list-recorder.js';

const STREAMS_PER_TOKEN = 2;

/** The violated fields of a call that must fail with INVALID_ARGUMENT. */
async function violatedFields(call: Promise<unknown>): Promise<string[]> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return (error as InvalidArgumentError).violations.map((v) => v.field);
}

/** Reads a stream to its first update, or its error. */
async function firstOf<T>(stream: AsyncIterable<T>): Promise<T | undefined> {
  for await (const update of stream) return update;
  return undefined;
}

describe.each(TEST_DATABASES)('WatchRuns and WatchRun on %s', (database) => {
  let harness: Harness;
  let client: SlipstreamClient;
  let viewer: SlipstreamClient;
  let otherTenant: SlipstreamClient;
  const recorders: RunListRecorder[] = [];

  const record = (c: SlipstreamClient, options: Parameters<SlipstreamClient['runs']['watchRuns']>[0] = {}) => {
    const recorder = new RunListRecorder((signal) => c.runs.watchRuns({ ...options, signal }));
    recorders.push(recorder);
    return recorder;
  };

  beforeAll(async () => {
    harness = await startHarness({ database, controllerOptions: { callLimits: { streamsPerToken: STREAMS_PER_TOKEN } } });
    client = harness.client;
    const { controller } = harness;
    await client.users.create({ name: 'vic', role: Role.ROLE_VIEWER });
    viewer = createSlipstreamClient({ address: controller.address, token: (await client.tokens.create({ name: 'vic-list', user: 'vic' })).secret });
    otherTenant = createSlipstreamClient({ address: controller.address, token: (await client.tenants.create({ name: 'globex' })).adminToken });
    await client.modules.save({
      kind: 'component',
      path: 'list/web',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'echo "hello from $SLIPSTREAM_NODE_INSTANCE"\nss-display up' },
      parameters: [],
    });
    await client.modules.save({
      kind: 'application',
      path: 'list/pair',
      nodes: [{ name: 'web', component: 'list/web', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
  }, 60_000);

  afterAll(async () => {
    for (const recorder of recorders) await recorder.close();
    viewer?.close();
    otherTenant?.close();
    await harness?.close();
  }, 60_000);

  const launch = async (tags: string[]) => {
    const run = await client.runs.launch({ module: 'list/web', defaultCloud: 'local', tags, timeoutMinutes: 5 });
    harness.runs.launched.push(run.id);
    return run;
  };

  it('follows a run from launch through its states to its final state and its deletion; a filtered watch and another tenant see only theirs', async () => {
    const all = record(viewer);
    const readyBlue = record(client, { states: ['Ready'], tag: 'blue' });
    const globex = record(otherTenant);
    for (const recorder of [all, readyBlue, globex]) await recorder.until('synced', (r) => r.synced);

    const blue = await launch(['blue']);
    const red = await launch(['red']);
    await all.until('the blue run Ready in the full list', (r) => r.runs.get(blue.id)?.state === 'Ready');
    await readyBlue.until('the blue run in the Ready+blue list', (r) => r.runs.has(blue.id));
    await all.until('the red run Ready in the full list', (r) => r.runs.get(red.id)?.state === 'Ready');
    // Pushed as it went, not only the end: at least one state before Ready.
    expect(all.states.get(blue.id)!.length).toBeGreaterThan(1);
    expect(all.states.get(blue.id)!.at(-1)).toBe('Ready');
    expect(all.runs.get(blue.id)!.tags).toEqual(['blue']);

    await client.runs.terminate(blue.id);
    await all.until('the blue run Done', (r) => r.runs.get(blue.id)?.state === 'Done', 60_000);
    // It left Ready: the filtered list is told to drop it.
    await readyBlue.until('the blue run removed from the Ready+blue list', (r) => r.removed.includes(blue.id));
    expect(readyBlue.runs.size).toBe(0);

    await client.runs.delete(blue.id);
    await all.until('the blue run removed after its deletion', (r) => r.removed.includes(blue.id));
    expect(all.runs.has(blue.id)).toBe(false);
    expect(all.runs.has(red.id)).toBe(true);

    expect(readyBlue.updates.some((u) => u.kind === 'run' && u.run.id === red.id)).toBe(false);
    expect(globex.updates).toEqual([{ kind: 'synced' }]);
    for (const recorder of [all, readyBlue, globex]) expect(recorder.ended).toBe(false);
    await Promise.all([all, readyBlue, globex].map((r) => r.close()));
  }, 180_000);

  it('sends the current runs first, newest first and at most `limit`, then synced', async () => {
    const newest = await launch(['current']);
    const listed = await client.runs.list();
    expect(listed[0]!.id).toBe(newest.id);
    const two = record(viewer, { limit: 2 });
    await two.until('synced', (r) => r.synced);
    expect(two.initial).toEqual(listed.slice(0, 2).map((r) => r.id));
    const tagged = record(client, { tag: 'current' });
    await tagged.until('synced', (r) => r.synced);
    expect(tagged.initial).toEqual([newest.id]);
    await Promise.all([two.close(), tagged.close()]);
  }, 60_000);

  it('refuses bad input naming the fields: limit, states', async () => {
    expect(await violatedFields(firstOf(client.runs.watchRuns({ limit: 1001 })))).toEqual(['limit']);
    // A state number this contract does not know, as a newer or broken client may send.
    const raw = harness.runs.raw;
    const request = WatchRunsRequest.fromPartial({ states: [RunState.RUN_STATE_READY, 99 as RunState], limit: -1 });
    const stream = client.rpc.serverStream(raw.watchRuns.bind(raw) as never, request) as AsyncIterable<unknown>;
    expect(await violatedFields(firstOf(stream))).toEqual(['states', 'limit']);
  });

  it('frees the stream slot of a cancelled watch', async () => {
    const open = [record(viewer), record(viewer)];
    for (const recorder of open) await recorder.until('synced', (r) => r.synced);
    const refused = await firstOf(viewer.runs.watchRuns()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    await open[0]!.close();
    const again = await waitFor('a watch opening in the freed slot', async () => {
      const recorder = new RunListRecorder((signal) => viewer.runs.watchRuns({ signal }));
      await recorder.until('synced or refused', (r) => r.synced || r.ended, 10_000).catch(() => undefined);
      if (recorder.synced) return recorder;
      await recorder.close();
      return undefined;
    });
    recorders.push(again);
    await Promise.all([again.close(), open[1]!.close()]);
  }, 60_000);

  it('WatchRun with log_instance sends only that instance’s lines, and caught_up once after the replay with its last sequence', async () => {
    // Stream slots of its own: a cancelled watch's slot comes back only once the server has seen the cancel.
    const admin = createSlipstreamClient({ address: harness.controller.address, token: (await client.tokens.create({ name: 'log-watch' })).secret });
    harness.onClose(() => admin.close());
    const run = await client.runs.launch({ module: 'list/pair', defaultCloud: 'local', timeoutMinutes: 5 });
    harness.runs.launched.push(run.id);
    await waitFor('both instances logged', async () => {
      const lines = (await client.runs.logs(run.id)).lines;
      return ['web.1', 'web.2'].every((i) => lines.some((l) => l.instance === i && l.text.includes('hello from'))) ? true : undefined;
    }, 90_000);
    // Ready stays, and logs nothing more: the replay below is the whole log.
    await harness.runs.waitForState(run.id, RunState.RUN_STATE_READY, 60_000);

    const replayUntilCaughtUp = async (logInstance: string): Promise<RunUpdate[]> => {
      const controller = new AbortController();
      const seen: RunUpdate[] = [];
      try {
        for await (const update of admin.runs.watch(run.id, { includeLogs: true, logInstance, signal: controller.signal })) {
          seen.push(update);
          if (update.update?.$case === 'caughtUp') break;
        }
      } finally {
        controller.abort();
      }
      return seen;
    };
    const web2 = await replayUntilCaughtUp('web.2');
    const lines = web2.flatMap((u) => (u.update?.$case === 'logLine' ? [u.update.value] : []));
    expect(lines.length).toBeGreaterThan(0);
    expect(new Set(lines.map((l) => l.instance))).toEqual(new Set(['web.2']));
    const marker = web2.at(-1)!;
    expect(marker.update).toEqual({ $case: 'caughtUp', value: true });
    expect(web2.filter((u) => u.update?.$case === 'caughtUp')).toHaveLength(1);
    expect(marker.sequence).toBe(Math.max(...web2.map((u) => u.sequence)));
    expect(marker.sequence).toBeGreaterThanOrEqual((await client.runs.logs(run.id)).lastSequence);

    const unknown = await replayUntilCaughtUp('web.9');
    expect(unknown.some((u) => u.update?.$case === 'logLine')).toBe(false);
    expect(unknown.at(-1)!.update?.$case).toBe('caughtUp');

    expect(await violatedFields(firstOf(admin.runs.watch(run.id, { includeLogs: true, logInstance: 'web..1' })))).toEqual(['log_instance']);
  }, 120_000);
});
