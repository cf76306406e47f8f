/**
 * The controller's /metrics on its HTTP port (plaintext, and under TLS with
 * the controller's CA), scraped around a real local run: before it, while
 * its agents wait in ss-get, once it is Ready, and once it is Done. Every
 * scrape must parse strictly as the Prometheus text format, and the numbers
 * must move as the run does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestDatabase } from '../helpers/controller.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fetchText, scrape, type Scrape } from '../helpers/prometheus-text.js';
import { instancesOf } from '../helpers/runs.js';

const LOCAL = { operation: 'provision', cloud: 'local', driver: 'local', outcome: 'ok' };

/** How much each series moved between two scrapes. */
function moved(before: Scrape, after: Scrape) {
  return (name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);
}

const SETUPS: { database: TestDatabase; tls: boolean }[] = [
  { database: 'sqlite', tls: false },
  { database: 'postgres', tls: true },
];

describe.each(SETUPS)('metrics on $database (tls: $tls)', ({ database, tls }) => {
  let harness: Harness;
  let read: () => Promise<Scrape>;

  beforeAll(async () => {
    harness = await startHarness({ database, tls });
    const { controller } = harness;
    read = () => scrape(controller.httpUrl, controller.caCertificate);
    await harness.client.modules.save({
      kind: 'component',
      path: 'metrics/waiter',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: ['ss-display waiting', 'v=$(ss-get --timeout 0 release)', 'ss-set result "got-$v"'].join('\n') },
      parameters: [
        { name: 'release', category: 'input', type: 'string' },
        { name: 'result', category: 'output', type: 'string' },
      ],
    });
    await harness.client.modules.save({
      kind: 'application',
      path: 'metrics/app',
      nodes: [{ name: 'web', component: 'metrics/waiter', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
  });

  afterAll(() => harness?.close());

  it('the numbers move with a run: launched, agents waiting, Ready, Done', async () => {
    const { runs } = harness;
    const idle = await read();
    expect(idle.types.get('slipstream_cluster_runs')).toBe('gauge');
    expect(idle.types.get('slipstream_run_commit_duration_seconds')).toBe('histogram');
    expect(idle.types.get('slipstream_controller_process_cpu_user_seconds_total')).toBe('counter');
    expect(idle.value('slipstream_agents_connected')).toBe(0);
    expect(idle.value('slipstream_reconciler_findings_total', { kind: 'instance_lost' })).toBe(0);

    const run = await runs.launch('metrics/app', { timeoutMinutes: 5 });
    await runs.until(
      run.id,
      'both agents waiting in ss-get',
      (r) => (r.state === RunState.RUN_STATE_EXECUTING && instancesOf(r).every((i) => i.stateCustom === 'waiting' && i.agentConnected) ? r : undefined),
      60_000,
    );
    // The state the agents wait in is set just before their ss-get reaches the controller.
    await expect.poll(async () => (await read()).value('slipstream_parameter_waits_in_progress'), { timeout: 15_000 }).toBe(2);
    const waiting = await read();
    const sinceIdle = moved(idle, waiting);
    expect(waiting.value('slipstream_agents_connected')).toBe(2);
    expect(waiting.value('slipstream_owned_runs')).toBe(1);
    expect(sinceIdle('slipstream_cluster_runs', { state: 'Executing' })).toBe(1);
    expect(sinceIdle('slipstream_cluster_live_instances', { vm: 'running' })).toBe(2);
    expect(sinceIdle('slipstream_cloud_calls_total', LOCAL)).toBe(2);
    expect(sinceIdle('slipstream_cloud_call_duration_seconds_count', { operation: 'provision', driver: 'local' })).toBeGreaterThanOrEqual(2);
    expect(sinceIdle('slipstream_grpc_server_calls_total', { method: '/slipstream.v1.RunService/LaunchRun', code: 'OK' })).toBe(1);
    expect(sinceIdle('slipstream_grpc_server_calls_total', { method: '/slipstream.v1.AgentService/Enroll', code: 'OK' })).toBe(2);
    expect(sinceIdle('slipstream_parameter_waits_started_total')).toBe(2);
    // The launch, the VMs running and the agents' completions: committed in batches, each counted with its size.
    const commits = sinceIdle('slipstream_run_commit_duration_seconds_count');
    expect(commits).toBeGreaterThan(0);
    expect(sinceIdle('slipstream_run_commit_batch_items_count')).toBe(commits);
    expect(sinceIdle('slipstream_run_commit_batch_items_sum')).toBeGreaterThanOrEqual(commits);

    await runs.setParameter(run.id, 'web.1:release', 'one');
    await runs.setParameter(run.id, 'web.2:release', 'two');
    await runs.waitForState(run.id, RunState.RUN_STATE_READY, 30_000);
    const ready = await read();
    const sinceWaiting = moved(waiting, ready);
    expect(sinceWaiting('slipstream_cluster_runs', { state: 'Ready' })).toBe(1);
    expect(sinceWaiting('slipstream_cluster_runs', { state: 'Executing' })).toBe(-1);
    expect(sinceWaiting('slipstream_parameter_waits_ended_total', { outcome: 'satisfied' })).toBe(2);
    expect(ready.value('slipstream_parameter_waits_in_progress')).toBe(0);
    expect(sinceWaiting('slipstream_parameter_sets_total', { origin: 'operator' })).toBe(2);
    // Each agent's `ss-set result`, at least (ss-display is a set too).
    expect(sinceWaiting('slipstream_parameter_sets_total', { origin: 'agent' })).toBeGreaterThanOrEqual(2);
    expect(sinceWaiting('slipstream_grpc_server_calls_total', { method: '/slipstream.v1.RunService/SetRunParameter', code: 'OK' })).toBe(2);
    expect(sinceWaiting('slipstream_run_commit_duration_seconds_count')).toBeGreaterThan(0);

    await runs.terminate(run.id);
    await runs.waitForState(run.id, RunState.RUN_STATE_DONE, 30_000);
    await harness.controller.reconcile();
    const done = await read();
    const sinceReady = moved(ready, done);
    expect(sinceReady('slipstream_cluster_runs', { state: 'Done' })).toBe(1);
    expect(sinceReady('slipstream_cluster_runs', { state: 'Ready' })).toBe(-1);
    expect(done.sum('slipstream_cluster_live_instances')).toBe(idle.sum('slipstream_cluster_live_instances'));
    expect(sinceReady('slipstream_cloud_calls_total', { ...LOCAL, operation: 'terminate' })).toBe(2);
    expect(sinceReady('slipstream_cloud_calls_total', { ...LOCAL, operation: 'list' })).toBeGreaterThanOrEqual(1);
    expect(sinceReady('slipstream_reconciler_findings_total')).toBe(0);
    // The sessions ended: each counted once, with whatever status ended it.
    expect(sinceReady('slipstream_grpc_server_calls_total', { method: '/slipstream.v1.AgentService/Session' })).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => (await read()).value('slipstream_agents_connected'), { timeout: 15_000 }).toBe(0);
    expect((await read()).value('slipstream_owned_runs')).toBe(1);
  });

  it('answers only GET and HEAD; a HEAD has the headers and no body', async () => {
    const { controller } = harness;
    const url = `${controller.httpUrl}/metrics`;
    const head = await fetchText(url, controller.caCertificate, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(head.body).toBe('');
    expect((await fetchText(url, controller.caCertificate, 'POST')).status).toBe(405);
    expect((await fetchText(`${controller.httpUrl}/metrics/more`, controller.caCertificate)).status).toBe(404);
  });
});
