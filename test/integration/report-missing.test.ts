/**
 * Issue 20: an agent that gave up uploading its report tells the controller
 * (SessionRequest.report_missing), which records a `report-missing` event
 * of the run naming the instance and the agent's reason, and acknowledges;
 * the run shows it as a warning (GetRun, WatchRun's snapshot), once however
 * often the agent says it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { AgentProbe, agentServiceClient } from '../helpers/agent-probe.js';
import { grantAgentCredential, launchWaitingRun, WAITING_CLOUD } from '../helpers/agent-credential.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { TestRuns } from '../helpers/runs.js';

describe.each(TEST_DATABASES)('a report the agent gave up on, on %s', (database) => {
  let controller: TestController;
  let client: SlipstreamClient;
  let runs: TestRuns;
  let runId: string;
  let probe: AgentProbe;

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    runs = new TestRuns(client);
    runId = await launchWaitingRun(client, runs, 'missing/app', 2);
    probe = new AgentProbe(agentServiceClient(controller.address), await grantAgentCredential(controller, runId, 'node.2'));
  }, 60_000);

  afterAll(async () => {
    probe?.close();
    await runs?.terminateAll();
    client?.close();
    await controller?.stop();
  }, 60_000);

  it('is an event of the run with the instance and the reason', async () => {
    const reason = 'no controller took the report (UNAVAILABLE: connect ECONNREFUSED) after 41 attempts in 600 s\u0000';
    const ack = await probe.reportMissing('node.2.tar.gz', reason);
    expect(ack).toMatchObject({ error: '', errorMessage: '' });
    const events = (await client.runs.events(runId)).filter((e) => e.type === 'report-missing');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'agent:node.2',
      message: 'warning: no report from node.2 (node.2.tar.gz): no controller took the report (UNAVAILABLE: connect ECONNREFUSED) after 41 attempts in 600 s\u2400',
    });
  });

  it('is a warning of the run in GetRun and the watch snapshot, once when the agent says it again; ListRuns leaves warnings empty', async () => {
    const warning = 'no report from node.2 (node.2.tar.gz): no controller took the report (UNAVAILABLE: connect ECONNREFUSED) after 41 attempts in 600 s\u2400';
    // An agent whose ack was lost sends the notice again: a second event, the same warning.
    expect(await probe.reportMissing('node.2.tar.gz', 'no controller took the report (UNAVAILABLE: connect ECONNREFUSED) after 41 attempts in 600 s\u0000')).toMatchObject({ error: '' });
    expect((await client.runs.events(runId)).filter((e) => e.type === 'report-missing')).toHaveLength(2);
    const run = await client.runs.get(runId);
    expect(run.warnings).toEqual([warning]);
    expect(run.abortMessage).toBeUndefined();
    const stop = new AbortController();
    let snapshot: unknown;
    for await (const update of client.runs.watch(runId, { signal: stop.signal })) {
      if (update.update?.$case === 'snapshot') snapshot = update.update.value;
      break;
    }
    stop.abort();
    expect(snapshot).toMatchObject({ id: runId, warnings: [warning] });
    const listed = (await client.runs.list()).find((r) => r.id === runId);
    expect(listed?.warnings).toEqual([]);
  });
});
