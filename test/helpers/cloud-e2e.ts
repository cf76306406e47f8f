/**
 * What the cloud drivers' end-to-end tests (ec2 on moto, the fake ARM, the
 * fake Compute API) share: the application they deploy, the check of each
 * VM's user-data before it is booted here, and the check that every
 * instance deployed.
 */
import { expect } from 'vitest';
import type { SlipstreamClient } from '../../client/index.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestRuns } from './runs.js';
import { AGENT_CONFIG_PATH, agentConfigOf, bootVm, parseCloudConfig, type BootedVm } from './vm-boot.js';

/** The instances of the application saveCloudApp saves. */
export const CLOUD_APP_INSTANCES = ['db.1', 'web.1', 'web.2'];

/**
 * Saves `<prefix>/comp` (one image, for `cloud`; its deployment echoes
 * `deployed <instance>`) and `<prefix>/app`: a db and two web instances of it.
 */
export async function saveCloudApp(client: SlipstreamClient, prefix: string, cloud: string, image: string): Promise<void> {
  await client.modules.save({
    kind: 'component',
    path: `${prefix}/comp`,
    images: { [cloud]: image },
    resources: {},
    recipes: { deployment: 'echo "deployed $SLIPSTREAM_NODE_INSTANCE"' },
    parameters: [],
  });
  await client.modules.save({
    kind: 'application',
    path: `${prefix}/app`,
    nodes: [
      { name: 'db', component: `${prefix}/comp`, multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
      { name: 'web', component: `${prefix}/comp`, multiplicity: 2, maxProvisioningFailures: 0, mappings: {} },
    ],
  });
}

/**
 * Checks that a VM's user-data is the #cloud-config that starts the agent of
 * `instance` (plaintext, as the tests' controllers serve), then boots it from
 * that user-data and nothing else.
 */
export async function bootFromUserData(userData: string, expected: { controller: string; runId: string; instance: string }): Promise<BootedVm> {
  expect(userData.startsWith('#cloud-config\n')).toBe(true);
  expect(parseCloudConfig(userData).write_files.map((f) => f.path)).toContain(AGENT_CONFIG_PATH);
  const config = agentConfigOf(userData);
  expect(config).toMatchObject({ ...expected, insecure: true, workDir: '/var/lib/slipstream', installPackages: true });
  expect(config.bootstrapToken).toEqual(expect.any(String));
  return bootVm(userData, { name: expected.instance });
}

/** Waits for the run to be Ready, then checks that it holds CLOUD_APP_INSTANCES and that each one's deployment ran. */
export async function expectDeployedEverywhere(runs: TestRuns, runId: string): Promise<void> {
  const ready = await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
  expect(ready.abortMessage).toBe('');
  expect(ready.nodes.flatMap((n) => n.instances).map((i) => i.name).sort()).toEqual(CLOUD_APP_INSTANCES);
  const logs = await runs.logs(runId);
  for (const name of CLOUD_APP_INSTANCES) expect(logs.some((l) => l.instance === name && l.text.includes(`deployed ${name}`))).toBe(true);
  // `ip` and `instanceid` are the controller's, from what the cloud's create call (or a describe) reported.
  for (const instance of ready.nodes.flatMap((n) => n.instances)) {
    expect(instance.ip, instance.name).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
    expect(instance.instanceId, instance.name).not.toBe('');
    expect((await runs.parameter(runId, `${instance.name}:ip`)).value).toBe(instance.ip);
  }
}
