/**
 * No VM leaks and no duplicates, against real `local` agents (behind the
 * `fake` driver where failures are injected):
 * - a run whose rows vanish from the database after its VMs were made: one
 *   reconciliation pass terminates the VMs and their agents;
 * - a run terminated while its create calls are in flight ends Cancelled and
 *   leaves no VM running;
 * - a controller stopped mid-provisioning and started again on the same
 *   database makes no second VM per instance, and every agent enrolls once.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { fakeWorld } from '../../controller/connectors/fake/fake-driver.js';
import { createLocalDriver } from '../../controller/connectors/local/local-driver.js';
import type { CloudConnector } from '../../controller/connectors/connector.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { application, component } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/poll.js';
import { instancesOf, processesOfRun, TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';
import { executeSql, selectRows } from '../helpers/sql.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const INSTANCES = ['db.1', 'web.1', 'web.2'];

/** A `local` connector on the controller's data dir, to look at its VMs as the cloud sees them. */
function localView(dataDir: string): CloudConnector {
  return createLocalDriver({ agentCommand: () => [process.execPath] }).create({}, { dataDir, log: pino({ level: 'silent' }), credentials: {} });
}

/** The agent processes of one instance of a run (the agent runs with `--config .../<runId>/<instance>/...`). */
async function agentsOf(runId: string, instance: string): Promise<number> {
  return (await processesOfRun(runId)).filter((p) => p.cmdline.includes('--config') && p.cmdline.includes(`/${runId}/${instance}/`)).length;
}

describe.each(TEST_DATABASES)('no leaks on %s', (database) => {
  const slowWorld = `noleak-slow-${database}`;
  let harness: Harness | undefined;
  let controller: TestController | undefined;
  let runs: TestRuns;

  afterAll(() => harness?.close(), 60_000);

  it('starts a controller with a slow fake cloud', async () => {
    const started = Date.now();
    harness = await startHarness({
      database,
      clouds: [{ name: 'slow', driver: 'fake', settings: { world: slowWorld, provisionDelayMs: '3000' } }],
    });
    ({ controller, runs } = harness);
    const { client } = harness;
    await client.modules.save(component('leak/c', { images: { local: 'local', slow: 'local' } }));
    await client.modules.save(application('leak/app', 'leak/c'));
    console.log(`[no-leaks ${database}] controller up in ${Date.now() - started} ms`);
  }, 60_000);

  /** Launches a run on `local`, waits for Ready and returns its VM ids (all running, with agents). */
  async function readyLocalRun(): Promise<{ runId: string; vmIds: string[] }> {
    const run = await runs.launch('leak/app', { defaultCloud: 'local' });
    await runs.waitForState(run.id, RunState.RUN_STATE_READY);
    const vmIds = instancesOf(await runs.get(run.id)).map((i) => i.instanceId).sort();
    expect(vmIds).toHaveLength(INSTANCES.length);
    const view = localView(controller!.dataDir);
    try {
      for (const vmId of vmIds) expect((await view.describe(vmId))?.state).toBe('running');
    } finally {
      await view.close();
    }
    expect((await processesOfRun(run.id)).length).toBeGreaterThanOrEqual(INSTANCES.length);
    return { runId: run.id, vmIds };
  }

  /** Deletes the run's row directly (its instances, parameters, journal go by cascade). */
  async function deleteRunRow(runId: string): Promise<void> {
    await executeSql(controller!.databaseUrl, 'DELETE FROM runs WHERE id = ?', [runId]);
    expect(await selectRows(controller!.databaseUrl, 'SELECT name FROM run_instances WHERE run_id = ?', [runId])).toEqual([]);
  }

  async function expectTerminated(runId: string, vmIds: string[]): Promise<void> {
    const view = localView(controller!.dataDir);
    try {
      for (const vmId of vmIds) expect((await view.describe(vmId))?.state, vmId).toBe('terminated');
    } finally {
      await view.close();
    }
    await waitForNoProcessesOfRun(runId);
  }

  let orphan: { runId: string; vmIds: string[] } | undefined;

  // The reconciler lists every built-in cloud and every cloud with credentials for each
  // tenant, not only the clouds of runs it still has rows for.
  it('terminates the VMs of a run whose rows were deleted, in one pass, even when it was the only run on the cloud', async () => {
    const started = Date.now();
    orphan = await readyLocalRun();
    await deleteRunRow(orphan.runId);
    const pass = Date.now();
    const report = await controller!.reconcile();
    console.log(`[no-leaks ${database}] deleted only run: reconcile pass ${Date.now() - pass} ms, report ${JSON.stringify(report)}`);
    expect(report.terminated.sort()).toEqual(orphan.vmIds);
    await expectTerminated(orphan.runId, orphan.vmIds);
    console.log(`[no-leaks ${database}] deleted only run: ${Date.now() - started} ms`);
  }, 90_000);

  it('terminates the VMs of a run whose rows were deleted, in one pass, while another run of the tenant uses the cloud', async () => {
    const started = Date.now();
    const keeper = await readyLocalRun();
    const deleted = await readyLocalRun();
    await deleteRunRow(deleted.runId);
    const pass = Date.now();
    const report = await controller!.reconcile();
    console.log(`[no-leaks ${database}] deleted run: reconcile pass ${Date.now() - pass} ms, report ${JSON.stringify(report)}`);
    // The previous test's orphans were already terminated by its own pass: only this run's VMs go now.
    expect(report.terminated.sort()).toEqual([...deleted.vmIds].sort());
    expect(report.lost).toEqual([]);
    await expectTerminated(deleted.runId, deleted.vmIds);
    if (orphan) await expectTerminated(orphan.runId, orphan.vmIds);
    // The live run is untouched.
    expect((await runs.get(keeper.runId)).state).toBe(RunState.RUN_STATE_READY);
    expect(await agentsOf(keeper.runId, 'web.1')).toBe(1);
    await runs.terminate(keeper.runId);
    await runs.waitForState(keeper.runId, RunState.RUN_STATE_DONE);
    await waitForNoProcessesOfRun(keeper.runId);
    console.log(`[no-leaks ${database}] deleted run with a live neighbour: ${Date.now() - started} ms`);
  }, 120_000);

  it('a run terminated while its create calls are in flight ends Cancelled and leaves no VM running', async () => {
    const c = controller!;
    const world = fakeWorld(slowWorld);
    const started = Date.now();
    const callsBefore = world.provisionCalls;
    const run = await runs.launch('leak/app', { defaultCloud: 'slow' });
    await runs.waitForState(run.id, RunState.RUN_STATE_PROVISIONING);
    // Every create call is inside the fake's 3 s delay.
    await waitFor('the create calls to be in flight', async () => (world.provisionCalls - callsBefore >= INSTANCES.length ? true : undefined));
    const inFlightAt = Date.now();
    await runs.terminate(run.id);
    const cancelled = await runs.waitForState(run.id, RunState.RUN_STATE_CANCELLED);
    console.log(`[no-leaks ${database}] cancelled ${Date.now() - inFlightAt} ms after the terminate`);
    expect(Date.now() - inFlightAt).toBeLessThan(3_000); // the creates were cancelled, not waited out

    const report = await c.reconcile();
    console.log(`[no-leaks ${database}] cancelled run: reconcile report ${JSON.stringify(report)}`);
    const view = localView(c.dataDir);
    try {
      for (const name of INSTANCES) {
        const vm = world.vmOf(run.id, name);
        if (vm) expect((await view.describe(vm.vmId))?.state ?? 'terminated', name).toBe('terminated');
      }
      const listed = (await view.listTagged({ controllerId: 'ignored' }).catch(() => [])).filter((vm) => vm.tags.runId === run.id);
      expect(listed.filter((vm) => vm.state !== 'terminated')).toEqual([]);
      expect(instancesOf(cancelled).every((i) => i.vmState !== 'running')).toBe(true);
      await waitForNoProcessesOfRun(run.id);
    } finally {
      await view.close();
    }
    console.log(`[no-leaks ${database}] cancelled run: ${Date.now() - started} ms, VMs made anyway: ${INSTANCES.filter((n) => world.vmOf(run.id, n)).length}`);
  }, 90_000);
});

describe.each(TEST_DATABASES)('no duplicate VM after a restart mid-provisioning on %s', (database) => {
  const worldName = `noleak-restart-${database}`;
  const extraClouds = [{ name: 'slowish', driver: 'fake', settings: { world: worldName, provisionDelayMs: '2000' } }];
  let proxy: TcpProxy | undefined;
  let first: TestController | undefined;
  let second: TestController | undefined;
  let client: SlipstreamClient | undefined;

  afterAll(async () => {
    client?.close();
    await first?.stopControllerOnly().catch(() => undefined);
    if (second) await second.stop();
    else await first?.stop();
    if (first && second) {
      // `second` reused first's data dir and database: the first one owns them.
      await first.stop().catch(() => undefined);
    }
    await proxy?.close();
  }, 60_000);

  it('reaches Ready with exactly one VM and one enrolled agent per instance', async () => {
    const world = fakeWorld(worldName);
    world.reset();
    const started = Date.now();
    // Agents dial a stable address (as a DNS name would be): the restarted controller listens on another port.
    proxy = await TcpProxy.start();
    first = await startTestController({ database, agentAddress: proxy.address, extraClouds });
    proxy.target = first.address;
    client = createSlipstreamClient({ address: proxy.address, token: first.adminToken });
    const runs = new TestRuns(client);
    await client.modules.save(component('dup/c', { images: { slowish: 'local' } }));
    await client.modules.save(application('dup/app', 'dup/c'));
    const run = await runs.launch('dup/app', { defaultCloud: 'slowish' });
    await waitFor('the create calls to be in flight', async () => (world.provisionCalls >= INSTANCES.length ? true : undefined));
    const pending = await selectRows(first.databaseUrl, "SELECT name FROM run_instances WHERE run_id = ? AND vm = 'pending'", [run.id]);
    expect(pending.length).toBe(INSTANCES.length);

    const stopping = Date.now();
    await first.stopControllerOnly();
    console.log(`[no-leaks ${database}] restart: first controller stopped in ${Date.now() - stopping} ms, provision calls ${world.provisionCalls}, VMs ${world.vms.size}`);
    const afterStop = await selectRows(first.databaseUrl, 'SELECT name, vm, vm_id FROM run_instances WHERE run_id = ? ORDER BY name', [run.id]);
    console.log(`[no-leaks ${database}] restart: instances after stop ${JSON.stringify(afterStop)}`);

    second = await startTestController({
      database,
      agentAddress: proxy.address,
      extraClouds,
      reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl, adminToken: first.adminToken },
    });
    proxy.target = second.address;
    await runs.waitForState(run.id, RunState.RUN_STATE_READY, 90_000);
    console.log(`[no-leaks ${database}] restart: Ready ${Date.now() - started} ms after launch; provision calls ${world.provisionCalls}`);

    // A create the stop let go of at the end of its grace (the fake takes 2 s, the grace is 2 s) is not written: the next
    // start provisions the instance again, finds the VM by its idempotency key and stores its id, which may come after
    // the VM's agent has already taken the run to Ready.
    const ready = await waitFor('every instance to have its VM id', async () => {
      const current = await runs.get(run.id);
      return instancesOf(current).every((i) => i.instanceId !== '') ? current : undefined;
    }, 30_000);
    const vms = [...world.vms.values()].filter((vm) => vm.spec.tags.runId === run.id);
    expect(vms.map((vm) => vm.spec.tags.instance).sort()).toEqual(INSTANCES);
    expect(vms.map((vm) => vm.idempotencyKey).sort()).toEqual(INSTANCES.map((i) => `${run.id}/${i}`));
    for (const instance of instancesOf(ready)) {
      expect(vms.find((vm) => vm.spec.tags.instance === instance.name)?.vmId, instance.name).toBe(instance.instanceId);
      expect(await agentsOf(run.id, instance.name), `agent processes of ${instance.name}`).toBe(1);
    }
    // An agent whose Enroll answer came too late (a loaded machine) asks again and is given the same credential (the
    // enroll-retry test): each instance enrolled, by one agent (the process counts above), however often it asked.
    const enrolled = new Set([...first.logs, ...second.logs].filter((l) => l.msg === 'agent enrolled' && l.runId === run.id).map((l) => l.instance as string));
    expect([...enrolled].sort()).toEqual(INSTANCES);
    const rows = await selectRows(first.databaseUrl, 'SELECT name FROM run_instances WHERE run_id = ? AND bootstrap_used_at IS NOT NULL', [run.id]);
    expect(rows.length).toBe(INSTANCES.length);
    const rejected = [...first.logs, ...second.logs].filter((l) => JSON.stringify(l).includes('bootstrap token already used'));
    expect(rejected).toEqual([]);

    await runs.terminate(run.id);
    await runs.waitForState(run.id, RunState.RUN_STATE_DONE);
    await waitForNoProcessesOfRun(run.id);
  }, 180_000);
});
