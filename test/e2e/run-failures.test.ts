/**
 * A failing deployment, end to end with real agents: one instance's recipe
 * exits 3, the run is aborted with a message naming the instance, the phase
 * and the exit code, every instance still sends its report, and keepRunning
 * decides whether the run drains to Aborted (on-success) or stays in Ready
 * (on-error) until it is terminated.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeepRunning, RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';

const REPORTING = 'echo "report of $SLIPSTREAM_NODE_INSTANCE" > "$SLIPSTREAM_REPORT_DIR/summary.txt"';
const INSTANCES = ['bad.1', 'ok.1', 'ok.2'];

describe.each(TEST_DATABASES)('failing deployment on %s', (database) => {
  let harness: Harness;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ runs } = harness);
    const { client } = harness;
    const component = (path: string, deployment: string) =>
      client.modules.save({
        kind: 'component',
        path,
        images: { local: 'local' },
        resources: {},
        recipes: { deployment, reporting: REPORTING },
        parameters: [],
      });
    await component('failures/ok', 'echo fine');
    await component('failures/bad', 'echo step; exit 3');
    await client.modules.save({
      kind: 'application',
      path: 'failures/app',
      nodes: [
        { name: 'ok', component: 'failures/ok', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} },
        { name: 'bad', component: 'failures/bad', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
      ],
    });
  });

  afterAll(() => harness?.close());

  /** The abort names who failed, in which phase, and how. */
  function expectFailureMessage(message: string): void {
    expect(message).toMatch(/^bad\.1: deployment script failures\/bad@1 failed with exit code 3/);
    expect(message).toContain('step');
  }

  async function expectReportsFromEveryInstance(runId: string): Promise<void> {
    const reports = await runs.reports(runId);
    expect(reports.map((r) => r.instance).sort()).toEqual(INSTANCES);
    for (const report of reports) {
      expect(report.name).toBe(`${report.instance}.tar.gz`);
      expect(report.sizeBytes).toBeGreaterThan(0);
      // The tarball holds what the reporting script wrote.
      const tar = gunzipSync(await runs.downloadReport(runId, report.instance, report.name)).toString('latin1');
      expect(tar).toContain('reports/summary.txt');
      expect(tar).toContain(`report of ${report.instance}\n`);
    }
  }

  it('keepRunning on-success: the run drains to Aborted and every instance sends its report', async () => {
    const started = Date.now();
    const launched = await runs.launch('failures/app', { keepRunning: KeepRunning.KEEP_RUNNING_ON_SUCCESS, timeoutMinutes: 5 });
    const run = await runs.waitForState(launched.id, RunState.RUN_STATE_ABORTED, 90_000);
    console.log(`[${database}] on-success failing run Aborted after ${Date.now() - started} ms`);
    expectFailureMessage(run.abortMessage);
    expect((await runs.parameter(run.id, 'ss:abort')).value).toBe(run.abortMessage);

    const events = await runs.events(run.id);
    const aborts = events.filter((e) => e.type === 'abort');
    expect(aborts).toHaveLength(1);
    expect(aborts[0]!.actor).toBe('agent:bad.1');
    expect(events.filter((e) => e.type === 'state').map((e) => e.message)).toEqual([
      'Initializing -> Provisioning',
      'Provisioning -> Executing',
      'Executing -> SendingReports',
      'SendingReports -> Ready',
      'Ready -> Finalizing',
      'Finalizing -> Aborted',
    ]);
    await expectReportsFromEveryInstance(run.id);
    await waitForNoProcessesOfRun(run.id);
  }, 150_000);

  it('keepRunning on-error: the run stays in Ready with the abort set; terminate ends it Aborted', async () => {
    const launched = await runs.launch('failures/app', { keepRunning: KeepRunning.KEEP_RUNNING_ON_ERROR, timeoutMinutes: 5 });
    const ready = await runs.waitForState(launched.id, RunState.RUN_STATE_READY, 90_000);
    expectFailureMessage(ready.abortMessage);
    await expectReportsFromEveryInstance(ready.id);
    // Stays in Ready: the agents are still there, connected.
    await runs.until(ready.id, 'every agent connected in Ready', (r) =>
      r.nodes.flatMap((n) => n.instances).every((i) => i.agentConnected) ? true : undefined,
    );
    expect((await runs.get(ready.id)).state).toBe(RunState.RUN_STATE_READY);

    const terminated = await runs.terminate(ready.id);
    expect([RunState.RUN_STATE_FINALIZING, RunState.RUN_STATE_ABORTED]).toContain(terminated.state);
    const final = await runs.waitForState(ready.id, RunState.RUN_STATE_ABORTED, 30_000);
    expectFailureMessage(final.abortMessage);
    const terminateEvents = (await runs.events(ready.id)).filter((e) => e.type === 'terminate');
    expect(terminateEvents).toHaveLength(1);
    expect(terminateEvents[0]!.message).toBe('terminate requested in Ready');
    await waitForNoProcessesOfRun(ready.id);
  }, 150_000);
});
