/**
 * The gcp driver end to end against the fake Compute API: a controller with a
 * `gcp` cloud pointed at the fake (an auth client holding the fake's token
 * injected through the driver options, made from the tenant's stored
 * `serviceAccountJson`) launches a two-node application; the fake records one
 * instance insert per node instance with the right image, machine type,
 * labels, tag metadata and `user-data` metadata; each "VM" is booted here
 * from that user-data (vm-boot.ts), so the real agents dial back and the run
 * reaches Ready; terminate ends it Done and the fake holds no instance of the
 * run. Addresses the fake hands back are data only; everything is on 127.0.0.1.
 */
import type { protos } from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../controller/connectors/connector.js';
import { FakeComputeServer, type FakeInstance } from '../fakes/gcp/fake-compute-server.js';
import { instanceName, SERVICE_ACCOUNT_JSON } from '../../controller/connectors/gcp/gcp-driver.js';
import { labelValue } from '../../controller/connectors/gcp/naming.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { bootFromUserData, CLOUD_APP_INSTANCES, expectDeployedEverywhere, saveCloudApp } from '../helpers/cloud-e2e.js';
import type { TestController } from '../helpers/controller.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';
import type { BootedVm } from '../helpers/vm-boot.js';

const CLOUD = 'gcp-test';
const PROJECT = 'slipstream-e2e';
const ZONE = 'europe-west1-b';
const IMAGE = 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64';
const MACHINE_TYPE = 'e2-medium';
const TOKEN = 'gce-e2e-token';
const SERVICE_ACCOUNT = 'slipstream-e2e@slipstream-e2e.iam.gserviceaccount.com';

type Instance = protos.google.cloud.compute.v1.IInstance;

describe('gcp cloud on the fake Compute API, end to end (sqlite)', () => {
  let gce: FakeComputeServer;
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  const booted: BootedVm[] = [];
  /** client_email of every credential the driver made an auth client from. */
  const authorizedAs: string[] = [];

  /** Stands in for the JWT client: takes the tenant's stored key, holds the fake's token (no token endpoint). */
  function testAuthClient(credentials: Record<string, string>): OAuth2Client {
    const json = credentials[SERVICE_ACCOUNT_JSON];
    if (!json) throw new ConnectorError('auth', `gcp test: no ${SERVICE_ACCOUNT_JSON}`);
    const key = JSON.parse(json) as { type?: string; client_email?: string };
    if (key.type !== 'service_account' || key.client_email !== SERVICE_ACCOUNT) throw new ConnectorError('auth', 'gcp test: unexpected key');
    authorizedAs.push(key.client_email);
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    return auth;
  }

  beforeAll(async () => {
    const started = Date.now();
    gce = await FakeComputeServer.start({ token: TOKEN, operationRounds: 1 });
    harness = await startHarness({
      database: 'sqlite',
      clouds: [
        {
          name: CLOUD,
          driver: 'gcp',
          settings: { project: PROJECT, zone: ZONE, machineType: MACHINE_TYPE, endpoint: gce.endpoint },
          credential: {
            [SERVICE_ACCOUNT_JSON]: JSON.stringify({ type: 'service_account', project_id: PROJECT, client_email: SERVICE_ACCOUNT, private_key: 'unused by the test auth client' }),
          },
        },
      ],
      driverOptions: { gcp: { authClient: testAuthClient, maxPollIntervalMs: 50 } },
    });
    ({ controller, runs } = harness);
    harness.onClose(() => Promise.all(booted.map((vm) => vm.stop())));
    await saveCloudApp(harness.client, 'gcp', CLOUD, IMAGE);
    console.log(`[gcp-e2e] setup (fake Compute + controller) ${Date.now() - started} ms`);
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
    await gce?.close();
  }, 60_000);

  const metadataOf = (body: Instance): Record<string, string> => Object.fromEntries((body.metadata?.items ?? []).map((i) => [i.key ?? '', i.value ?? '']));
  const instancesOfRun = (runId: string): FakeInstance[] =>
    [...gce.instances.values()].filter((i) => metadataOf(i.body as Instance)['slipstream-run'] === runId);

  it('launches on the fake Compute API, boots each VM from its user-data, reaches Ready, terminates to Done', async () => {
    const t0 = Date.now();
    const launched = await runs.launch('gcp/app', { defaultCloud: CLOUD, timeoutMinutes: 10 });

    // The fake holds one running instance per node instance.
    const instances = await waitFor(
      'the fake Compute API to hold the run instances, running',
      async () => {
        const found = instancesOfRun(launched.id);
        return found.length === CLOUD_APP_INSTANCES.length && found.every((i) => i.status === 'RUNNING') ? found : undefined;
      },
      60_000,
    );
    const tRunning = Date.now();
    expect(authorizedAs.length).toBeGreaterThanOrEqual(1);
    expect(instances.every((i) => i.project === PROJECT && i.zone === ZONE)).toBe(true);
    const bodies = instances.map((i) => i.body as Instance);
    expect(bodies.map((b) => metadataOf(b)['slipstream-instance']).sort()).toEqual(CLOUD_APP_INSTANCES);
    const controllerIds = new Set(bodies.map((b) => metadataOf(b)['slipstream-controller']));
    expect(controllerIds.size).toBe(1);
    expect([...controllerIds][0]).toMatch(/.+/);

    for (const instance of instances) {
      const body = instance.body as Instance;
      const items = metadataOf(body);
      const name = items['slipstream-instance']!;
      // One insert per instance; the name is derived from the idempotency key `${run}/${instance}`.
      expect(instance.name).toBe(instanceName(`${launched.id}/${name}`));
      expect(gce.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/instances') && r.body?.name === instance.name)).toHaveLength(1);
      expect(body.machineType).toBe(`zones/${ZONE}/machineTypes/${MACHINE_TYPE}`);
      expect(body.disks).toMatchObject([{ boot: true, autoDelete: true, initializeParams: { sourceImage: IMAGE } }]);
      expect(items['slipstream-run']).toBe(launched.id);
      expect(items['slipstream-tenant']).toMatch(/.+/);
      expect(body.labels).toEqual({
        'slipstream-controller': labelValue(items['slipstream-controller']!),
        'slipstream-tenant': labelValue(items['slipstream-tenant']!),
        'slipstream-run': labelValue(launched.id),
        'slipstream-instance': labelValue(name),
      });

      // Each VM boots from the user-data metadata item it was created with, and nothing else.
      booted.push(await bootFromUserData(items['user-data']!, { controller: controller.address, runId: launched.id, instance: name }));
    }

    await expectDeployedEverywhere(runs, launched.id);
    const tReady = Date.now();

    const names = instances.map((i) => i.name);
    await runs.terminate(launched.id);
    await runs.waitForState(launched.id, RunState.RUN_STATE_DONE, 60_000);
    const tDone = Date.now();
    await waitFor('every instance of the run to be gone from the fake Compute API', async () => (instancesOfRun(launched.id).length === 0 ? true : undefined), 30_000);
    for (const name of names) {
      expect(gce.instance(PROJECT, ZONE, name)).toBeUndefined();
      expect(gce.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/instances/${name}`))).toBe(true);
    }
    // The agents end with their run.
    await waitFor('every booted agent to exit', async () => (booted.every((vm) => vm.exited) ? true : undefined), 30_000);
    console.log(`[gcp-e2e] instances running ${tRunning - t0} ms, Ready ${tReady - t0} ms, Done ${tDone - t0} ms, all gone ${Date.now() - t0} ms`);
  }, 240_000);
});
