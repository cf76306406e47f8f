/**
 * Agents survive losing the network: every agent reaches the controller
 * through a TCP proxy; while their recipes wait in `ss-get`, the proxy resets
 * every connection and refuses new ones for a moment. The controller sees the
 * agents go, they reconnect by themselves, their waiting `ss-get`s are asked
 * again (a value set while they were away included), and the run completes
 * to Ready without any phase running twice.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from '../helpers/controller.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmRecordDir, localVmWorkDir } from '../helpers/local-vms.js';
import { instancesOf, TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const INSTANCES = ['web.1', 'web.2'];

describe('agent reconnect on sqlite', () => {
  let proxy: TcpProxy;
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;

  beforeAll(async () => {
    proxy = await TcpProxy.start();
    harness = await startHarness({ database: 'sqlite', agentAddress: proxy.address });
    ({ controller, runs } = harness);
    proxy.target = controller.address;
    const { client } = harness;
    await client.modules.save({
      kind: 'component',
      path: 'reconnect/waiter',
      images: { local: 'local' },
      resources: {},
      recipes: {
        deployment: [
          'echo deployment >> "$PWD/phases.log"',
          'ss-display waiting',
          'v=$(ss-get --timeout 0 release)',
          'ss-set result "got-$v"',
        ].join('\n'),
      },
      parameters: [
        { name: 'release', category: 'input', type: 'string' },
        { name: 'result', category: 'output', type: 'string' },
      ],
    });
    await client.modules.save({
      kind: 'application',
      path: 'reconnect/app',
      nodes: [{ name: 'web', component: 'reconnect/waiter', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
  });

  afterAll(async () => {
    proxy?.refuse(false);
    await harness?.close();
    await proxy?.close();
  });

  it('agents reconnect after every connection is cut and the run completes to Ready', async () => {
    const run = await runs.launch('reconnect/app', { timeoutMinutes: 5 });
    await runs.until(
      run.id,
      'both agents waiting in ss-get, connected',
      (r) =>
        r.state === RunState.RUN_STATE_EXECUTING && instancesOf(r).every((i) => i.stateCustom === 'waiting' && i.agentConnected) ? r : undefined,
      60_000,
    );
    // Every agent came through the proxy: nothing reaches the controller around it.
    expect(proxy.openConnections).toBeGreaterThanOrEqual(INSTANCES.length);
    const forwardedBefore = proxy.forwarded;

    proxy.refuse(true);
    const cutAt = Date.now();
    expect(proxy.dropAll()).toBeGreaterThanOrEqual(INSTANCES.length);
    await runs.until(run.id, 'the controller to see both agents gone', (r) => (instancesOf(r).every((i) => !i.agentConnected) ? r : undefined), 15_000);
    // A value set while web.1's agent is away reaches its ss-get once it is back.
    await runs.setParameter(run.id, 'web.1:release', 'while-away');
    // Let the agents fail to reconnect at least once.
    await runs.until(run.id, 'reconnect attempts to be refused', () => (proxy.refused >= INSTANCES.length ? true : undefined), 15_000);
    proxy.refuse(false);

    const back = await runs.until(
      run.id,
      'both agents to reconnect',
      (r) => (instancesOf(r).every((i) => i.agentConnected) ? r : undefined),
      30_000,
    );
    console.log(`[sqlite] agents back ${Date.now() - cutAt} ms after the cut; refused attempts: ${proxy.refused}`);
    expect(back.state).toBe(RunState.RUN_STATE_EXECUTING);
    expect(proxy.forwarded).toBeGreaterThan(forwardedBefore);

    await runs.setParameter(run.id, 'web.2:release', 'after-return');
    const ready = await runs.waitForState(run.id, RunState.RUN_STATE_READY, 30_000);
    expect(ready.abortMessage).toBe('');
    expect((await runs.parameter(run.id, 'web.1:result')).value).toBe('got-while-away');
    expect((await runs.parameter(run.id, 'web.2:result')).value).toBe('got-after-return');
    for (const instance of INSTANCES) {
      const workDir = await localVmWorkDir(controller.dataDir, run.id, instance);
      // The deployment ran once: the waiting script lived through the outage.
      expect((await readFile(join(workDir, 'home', 'phases.log'), 'utf8')).trim().split('\n'), instance).toEqual(['deployment']);
      // The agent itself saw the session go and come back.
      const agentLog = await readFile(join(localVmRecordDir(controller.dataDir, run.id, instance), 'agent.out.log'), 'utf8');
      expect(agentLog, instance).toContain('session lost; reconnecting');
      expect(agentLog.match(/"msg":"session established"/g)?.length ?? 0, instance).toBeGreaterThanOrEqual(2);
    }
    // No state was completed twice: one state event per transition.
    expect((await runs.events(run.id)).filter((e) => e.type === 'state').map((e) => e.message)).toEqual([
      'Initializing -> Provisioning',
      'Provisioning -> Executing',
      'Executing -> SendingReports',
      'SendingReports -> Ready',
    ]);

    await runs.terminate(run.id);
    await runs.waitForState(run.id, RunState.RUN_STATE_DONE, 30_000);
    await waitForNoProcessesOfRun(run.id);
  }, 180_000);
});
