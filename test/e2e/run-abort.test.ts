/**
 * `ss-abort` from a recipe, end to end with real agents: the abort reaches
 * every agent at once and kills running scripts (a `sleep 600` on another
 * VM is gone and the run leaves Executing within 2 s), the run drains to
 * Aborted; and `ss-abort --cancel` from a recipe clears the flag again.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { processesOfRun, TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';

/** Whether `pid` is still a live (non-zombie) process. */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

describe.each(TEST_DATABASES)('ss-abort on %s', (database) => {
  let harness: Harness;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ runs } = harness);
    const { client } = harness;
    await client.modules.save({
      kind: 'component',
      path: 'abort/sleeper',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-display sleeping\nsleep 600\nss-set done yes' },
      parameters: [{ name: 'done', category: 'output', type: 'string' }],
    });
    // The killer waits for a go from the test (set once the sleep is seen running), then aborts.
    await client.modules.save({
      kind: 'component',
      path: 'abort/killer',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-get --timeout 0 go\nss-abort "stop now"' },
      parameters: [{ name: 'go', category: 'input', type: 'string' }],
    });
    await client.modules.save({
      kind: 'application',
      path: 'abort/app',
      nodes: [
        { name: 'sleeper', component: 'abort/sleeper', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
        { name: 'killer', component: 'abort/killer', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
      ],
    });
    // Aborts in Executing, clears the abort while sending reports (the aborting script itself is killed at once).
    await client.modules.save({
      kind: 'component',
      path: 'abort/cancels',
      images: { local: 'local' },
      resources: {},
      recipes: {
        deployment: 'ss-abort "temporary trouble"\nsleep 600',
        reporting: 'test -n "$(ss-get --noblock ss:abort)" || exit 7\nss-abort --cancel\nss-set seen-clear "[$(ss-get --noblock ss:abort)]"',
      },
      parameters: [{ name: 'seen-clear', category: 'output', type: 'string' }],
    });
  });

  afterAll(() => harness?.close());

  it('kills a running sleep 600 on another VM at once and drains to Aborted', async () => {
    const run = await runs.launch('abort/app', { timeoutMinutes: 5 });
    const sleep = await waitFor(
      'sleep 600 to run on sleeper.1',
      async () => (await processesOfRun(run.id)).find((p) => p.cmdline === 'sleep 600'),
      60_000,
    );
    expect((await runs.get(run.id)).state).toBe(RunState.RUN_STATE_EXECUTING);

    await runs.setParameter(run.id, 'killer.1:go', 'now');
    // Watch the sleep die with a tight poll, to time it against the abort.
    const deadline = Date.now() + 10_000;
    while ((await alive(sleep.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const sleepGoneAt = Date.now();
    expect(await alive(sleep.pid)).toBe(false);

    const final = await runs.waitForState(run.id, RunState.RUN_STATE_ABORTED, 60_000);
    expect(final.abortMessage).toBe('stop now');
    const events = await runs.events(run.id);
    const abort = events.find((e) => e.type === 'abort')!;
    expect(abort).toMatchObject({ actor: 'agent:killer.1', message: 'stop now' });
    const leftExecuting = events.find((e) => e.type === 'state' && e.message === 'Executing -> SendingReports')!;
    expect(leftExecuting).toBeDefined();
    const abortAt = abort.time!.getTime();
    // The sleeper completed Executing (its `complete` parameter) when its killed phase ended.
    const sleeperDone = (await runs.history(run.id)).find(
      (u) => u.update?.$case === 'parameterChanged' && u.update.value.key === 'sleeper.1:complete' && u.update.value.value === 'Executing@0',
    );
    expect(sleeperDone, 'sleeper.1 completed Executing').toBeDefined();
    const completedAt = sleeperDone!.time!.getTime();
    console.log(
      `[${database}] abort -> sleep 600 gone: ${sleepGoneAt - abortAt} ms; -> sleeper.1 completed Executing: ${completedAt - abortAt} ms; ` +
        `-> run left Executing: ${leftExecuting.time!.getTime() - abortAt} ms`,
    );
    expect(sleepGoneAt - abortAt).toBeLessThan(2_000);
    expect(completedAt - abortAt).toBeLessThan(2_000);
    expect(leftExecuting.time!.getTime() - abortAt).toBeLessThan(2_000);
    expect(leftExecuting.time!.getTime()).toBeGreaterThanOrEqual(abortAt);
    // The rest of the deployment never ran, and no `sleep 600` of this run is left anywhere.
    expect((await runs.parameter(run.id, 'sleeper.1:done')).set).toBe(false);
    expect((await processesOfRun(run.id)).filter((p) => p.cmdline === 'sleep 600')).toEqual([]);
    // Agents still sent their reports while draining.
    expect((await runs.reports(run.id)).map((r) => r.instance).sort()).toEqual(['killer.1', 'sleeper.1']);
    await waitForNoProcessesOfRun(run.id);
  }, 120_000);

  it('ss-abort --cancel from a recipe clears the flag: the run reaches Ready without abort', async () => {
    const run = await runs.launch('abort/cancels', { timeoutMinutes: 5 });
    const ready = await runs.waitForState(run.id, RunState.RUN_STATE_READY, 60_000);
    expect(ready.abortMessage).toBe('');
    expect(ready.recoveryMode).toBe(false);
    expect((await runs.parameter(run.id, 'ss:abort')).value).toBe('');
    expect((await runs.parameter(run.id, 'machine.1:seen-clear')).value).toBe('[]');
    const events = await runs.events(run.id);
    expect(events.filter((e) => e.type === 'abort').map((e) => [e.actor, e.message])).toEqual([['agent:machine.1', 'temporary trouble']]);
    expect(events.filter((e) => e.type === 'abort-cancelled').map((e) => e.actor)).toEqual(['agent:machine.1']);
    // Ready without abort and keepRunning on-success: it stays.
    expect((await runs.get(run.id)).state).toBe(RunState.RUN_STATE_READY);
    await runs.terminate(run.id);
    await runs.waitForState(run.id, RunState.RUN_STATE_DONE, 30_000);
    await waitForNoProcessesOfRun(run.id);
  }, 120_000);
});
