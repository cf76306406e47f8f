/**
 * The controller serves its API before the agent bundle is built (only
 * provisioning needs the bundle). A run launched in that window waits for
 * the bundle, is not provisioned a second time when the start then resumes
 * the live runs, and reaches Ready with every phase run once on each
 * instance. The bundle's build is held on a gate, so the window is as long
 * as the test needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAgentBundle } from '../../agent/build.js';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { RunState, type Run } from '../../proto/gen/slipstream/v1/runs.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { instancesOf, TestRuns } from '../helpers/runs.js';

const COUNT = (phase: string) => `echo ${phase} >> "$PWD/phases.log"`;

describe.each(TEST_DATABASES)('a run launched while the agent bundle builds, on %s', (database) => {
  let controller: TestController | undefined;
  let client: SlipstreamClient | undefined;
  let runs: TestRuns | undefined;

  afterAll(async () => {
    await runs?.terminateAll();
    client?.close();
    await controller?.stop();
  });

  it('waits for the bundle, then provisions each instance once and reaches Ready', async () => {
    const port = await freePort();
    const adminToken = newTokenSecret();
    let releaseBuild!: () => void;
    const buildReleased = new Promise<void>((resolve) => (releaseBuild = resolve));
    let startOver = false;
    const starting = startTestController({
      database,
      port,
      adminToken,
      seams: {
        buildBundle: async (path) => {
          await buildReleased;
          return buildAgentBundle(path);
        },
      },
    }).then((started) => {
      startOver = true;
      return started;
    });

    client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token: adminToken });
    runs = new TestRuns(client);
    const saveModules = async () => {
      await client!.modules.save({
        kind: 'component',
        path: 'early/worker',
        images: { local: 'local' },
        resources: {},
        recipes: { preinstall: COUNT('preinstall'), postinstall: COUNT('postinstall'), deployment: COUNT('deployment'), reporting: COUNT('reporting') },
        parameters: [],
      });
      await client!.modules.save({
        kind: 'application',
        path: 'early/app',
        nodes: [{ name: 'web', component: 'early/worker', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
      });
      return true;
    };
    // A start that fails ends the wait with its own error.
    const startFailed = starting.then(() => new Promise<never>(() => undefined));
    let launched: Run;
    let held: Run;
    let startOverWhileHeld: boolean;
    try {
      await Promise.race([waitFor('the API to serve while the bundle is held', saveModules, 60_000), startFailed]);
      launched = await runs.launch('early/app', { timeoutMinutes: 5 });
      held = await runs.get(launched.id);
      startOverWhileHeld = startOver;
    } finally {
      // Whatever happened, the start can finish now (or fail with its own error), and afterAll stop it.
      releaseBuild();
      controller = await starting;
    }

    // While held: no instance had a VM, and the start was not over.
    expect(held.state).toBe(RunState.RUN_STATE_PROVISIONING);
    expect(instancesOf(held).map((i) => [i.name, i.instanceId])).toEqual([
      ['web.1', ''],
      ['web.2', ''],
    ]);
    expect(startOverWhileHeld).toBe(false);

    const ready = await runs.waitForState(launched.id, RunState.RUN_STATE_READY, 90_000);
    expect(instancesOf(ready).every((i) => i.instanceId !== '')).toBe(true);

    // One provisioning each: the start's resume of the live runs joined the one already waiting for the bundle.
    const provisioned = controller.logs.filter((line) => line.msg === 'vm provisioned' && line.runId === launched.id).map((line) => line.instance);
    expect(provisioned.sort()).toEqual(['web.1', 'web.2']);
    for (const instance of ['web.1', 'web.2']) {
      const phases = readFileSync(join(await localVmWorkDir(controller.dataDir, launched.id, instance), 'home', 'phases.log'), 'utf8');
      expect(phases.trim().split('\n')).toEqual(['preinstall', 'postinstall', 'deployment', 'reporting']);
    }
  }, 180_000);
});
