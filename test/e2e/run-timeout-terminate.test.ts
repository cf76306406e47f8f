/**
 * Ending runs from outside, end to end with real agents: a run stuck in one
 * state past its timeout is aborted ("run timed out") and drains to Aborted;
 * an operator's terminate ends a run from Provisioning or Executing as
 * Cancelled and from Ready as Done. After each, no process of the run is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { processesOfRun, TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';

/** Provisioning on this cloud takes 30 s, so a run stays in Provisioning long enough to terminate it there. */
const SLOW_CLOUD = { name: 'slow', driver: 'fake', settings: { provisionDelayMs: '30000' } };

async function setUp(database: 'sqlite' | 'postgres'): Promise<Harness> {
  const harness = await startHarness({ database, clouds: [SLOW_CLOUD] });
  const { client } = harness;
  const component = (path: string, deployment: string) =>
    client.modules.save({
      kind: 'component',
      path,
      images: { local: 'local', slow: 'local' },
      resources: {},
      recipes: { deployment },
      parameters: [],
    });
  await component('ending/sleeps', 'ss-display sleeping\nsleep 600');
  await component('ending/forever', 'sleep infinity');
  await component('ending/quick', 'echo ok');
  return harness;
}

describe('run timeout on sqlite', () => {
  let harness: Harness;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await setUp('sqlite');
    ({ runs } = harness);
  });

  afterAll(() => harness?.close());

  // Timeouts are whole minutes (domain.md: `timeout` in minutes), so this test takes a bit over one.
  it('aborts a run stuck in Executing after its timeout and drains it to Aborted', async () => {
    const run = await runs.launch('ending/forever', { timeoutMinutes: 1 });
    await runs.waitForState(run.id, RunState.RUN_STATE_EXECUTING, 30_000);
    const final = await runs.waitForState(run.id, RunState.RUN_STATE_ABORTED, 100_000);
    expect(final.abortMessage).toBe('run timed out in Executing after 1 minute(s)');
    const events = await runs.events(run.id);
    const timeout = events.filter((e) => e.type === 'timeout');
    expect(timeout.map((e) => [e.actor, e.message])).toEqual([['controller', 'run timed out: Executing for more than 1 minute(s)']]);
    const abort = events.filter((e) => e.type === 'abort');
    expect(abort.map((e) => [e.actor, e.message])).toEqual([['controller', final.abortMessage]]);
    const entered = events.find((e) => e.type === 'state' && e.message === 'Provisioning -> Executing')!;
    const waited = timeout[0]!.time!.getTime() - entered.time!.getTime();
    console.log(`[sqlite] timeout fired ${waited} ms after entering Executing; run Aborted at +${final.finishedAt!.getTime() - entered.time!.getTime()} ms`);
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(65_000);
    await waitForNoProcessesOfRun(run.id);
  }, 150_000);
});

describe.each(TEST_DATABASES)('terminate on %s', (database) => {
  let harness: Harness;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await setUp(database);
    ({ runs } = harness);
  });

  afterAll(() => harness?.close());

  async function expectTerminateEvent(runId: string, from: string): Promise<void> {
    const events = (await runs.events(runId)).filter((e) => e.type === 'terminate');
    expect(events.map((e) => [e.actor, e.message])).toEqual([['user:admin', `terminate requested in ${from}`]]);
  }

  it('from Provisioning: Cancelled, and no agent is left', async () => {
    const run = await runs.launch('ending/sleeps', { defaultCloud: 'slow', timeoutMinutes: 5 });
    expect(run.state).toBe(RunState.RUN_STATE_PROVISIONING);
    const started = Date.now();
    const terminated = await runs.terminate(run.id);
    expect([RunState.RUN_STATE_FINALIZING, RunState.RUN_STATE_CANCELLED]).toContain(terminated.state);
    const final = await runs.waitForState(run.id, RunState.RUN_STATE_CANCELLED, 60_000);
    console.log(`[${database}] terminate from Provisioning: Cancelled after ${Date.now() - started} ms`);
    expect(final.abortMessage).toBe('');
    await expectTerminateEvent(run.id, 'Provisioning');
    await waitForNoProcessesOfRun(run.id);
    // Nothing of it comes back later either (a provisioning call that was in flight).
    expect(await processesOfRun(run.id)).toEqual([]);
  }, 120_000);

  it('from Executing: Cancelled, and the running sleep 600 and its agent are gone', async () => {
    const run = await runs.launch('ending/sleeps', { timeoutMinutes: 5 });
    await waitFor('sleep 600 to run', async () => (await processesOfRun(run.id)).find((p) => p.cmdline === 'sleep 600'), 60_000);
    expect((await runs.get(run.id)).state).toBe(RunState.RUN_STATE_EXECUTING);
    const started = Date.now();
    await runs.terminate(run.id);
    const final = await runs.waitForState(run.id, RunState.RUN_STATE_CANCELLED, 30_000);
    console.log(`[${database}] terminate from Executing: Cancelled after ${Date.now() - started} ms`);
    await expectTerminateEvent(run.id, 'Executing');
    expect(final.finishedAt).toBeDefined();
    await waitForNoProcessesOfRun(run.id);
  }, 120_000);

  it('from Ready: Done, and no agent is left', async () => {
    const run = await runs.launch('ending/quick', { timeoutMinutes: 5 });
    await runs.waitForState(run.id, RunState.RUN_STATE_READY, 60_000);
    expect((await processesOfRun(run.id)).length).toBeGreaterThan(0);
    const started = Date.now();
    await runs.terminate(run.id);
    const final = await runs.waitForState(run.id, RunState.RUN_STATE_DONE, 30_000);
    console.log(`[${database}] terminate from Ready: Done after ${Date.now() - started} ms`);
    expect(final.abortMessage).toBe('');
    await expectTerminateEvent(run.id, 'Ready');
    expect((await runs.events(run.id)).filter((e) => e.type === 'state').map((e) => e.message).slice(-2)).toEqual([
      'Ready -> Finalizing',
      'Finalizing -> Done',
    ]);
    await waitForNoProcessesOfRun(run.id);
  }, 120_000);
});
