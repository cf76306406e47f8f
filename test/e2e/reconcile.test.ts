/**
 * Reconciliation against real `local` VMs: a VM that vanished behind the
 * controller's back aborts its run naming the instance, and a VM this
 * controller tagged for a run that does not exist, or for an instance its
 * live run does not have, is terminated while the run's own VMs stay.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDriver } from '../../controller/connectors/local/local-driver.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { application, component } from '../helpers/fixtures.js';
import { TestRuns } from '../helpers/runs.js';

describe.each(TEST_DATABASES)('reconciliation on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await startHarness({
      database,
      clouds: [{ name: 'lossy', driver: 'fake', settings: { world: `lossy-${database}`, loseInstance: 'web.2' } }],
    });
    ({ controller, runs } = harness);
    const { client } = harness;
    await client.modules.save(component('rec/c', { images: { local: 'local', lossy: 'local' } }));
    await client.modules.save(application('rec/app', 'rec/c'));
  });

  afterAll(() => harness?.close());

  it('a vanished VM aborts its run with a message naming the instance', async () => {
    const run = await runs.launch('rec/app', { defaultCloud: 'lossy' });
    await runs.until(run.id, 'web.2 to have a (soon lost) VM', (r) => {
      const web2 = r.nodes.flatMap((n) => n.instances).find((i) => i.name === 'web.2');
      return web2?.vmState === 'running' && web2.instanceId ? true : undefined;
    });
    const report = await controller.reconcile();
    expect(report.lost).toContain(`${run.id}/web.2`);
    const aborted = await runs.until(run.id, 'the abort', (r) => (r.abortMessage ? r : undefined));
    expect(aborted.abortMessage).toMatch(/instance web\.2 was lost/);
    await runs.waitForState(run.id, RunState.RUN_STATE_ABORTED);
    const events = await runs.events(run.id);
    expect(events.some((e) => e.type === 'instance-lost' && e.message.includes('web.2'))).toBe(true);
  });

  it('terminates a VM tagged by this controller for a run that does not exist, or for an instance its live run does not have', async () => {
    const run = await runs.launch('rec/app', { defaultCloud: 'local' });
    await runs.waitForState(run.id, RunState.RUN_STATE_READY);
    const tags = (JSON.parse(readFileSync(join(controller.dataDir, 'local-vms', run.id, 'web.1', 'vm.json'), 'utf8')) as {
      tags: { controllerId: string; tenant: string };
    }).tags;
    const driver = createLocalDriver({ agentCommand: () => [process.execPath, '-e', 'setInterval(() => {}, 1000)'] });
    const connector = driver.create({}, { dataDir: controller.dataDir, log: pino({ level: 'silent' }), credentials: {} });
    const strayRun = randomUUID();
    const stray = await connector.provision({
      tags: { controllerId: tags.controllerId, tenant: tags.tenant, runId: strayRun, instance: 'ghost.1' },
      image: 'local',
      options: {},
      agentConfig: { controller: '127.0.0.1:1', insecure: true, runId: strayRun, instance: 'ghost.1', bootstrapToken: 'ssb_unused' },
      userData: '#cloud-config\n',
      idempotencyKey: `${strayRun}/ghost.1`,
    });
    const strayOfLiveRun = await connector.provision({
      tags: { controllerId: tags.controllerId, tenant: tags.tenant, runId: run.id, instance: 'web.9' },
      image: 'local',
      options: {},
      agentConfig: { controller: '127.0.0.1:1', insecure: true, runId: run.id, instance: 'web.9', bootstrapToken: 'ssb_unused' },
      userData: '#cloud-config\n',
      idempotencyKey: `${run.id}/web.9`,
    });
    const report = await controller.reconcile();
    expect([...report.terminated].sort()).toEqual([stray.vmId, strayOfLiveRun.vmId].sort());
    expect((await connector.describe(stray.vmId))?.state).toBe('terminated');
    expect((await connector.describe(strayOfLiveRun.vmId))?.state).toBe('terminated');
    expect((await runs.get(run.id)).state).toBe(RunState.RUN_STATE_READY);
    await connector.close();
  });
});
