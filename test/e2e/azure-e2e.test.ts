/**
 * The azure driver end to end against the fake ARM server: a controller with
 * an `azure` cloud pointed at the fake (its CA injected as the only trusted
 * root through the driver options; the tenant's stored service principal
 * signs in at the fake's Entra endpoints) launches a two-node application;
 * the fake records one NIC and one VM PUT per node instance with the right
 * image, size, tags and customData = base64(#cloud-config); each "VM" is
 * booted here from that user-data (vm-boot.ts), so the real agents dial back
 * and the run reaches Ready; terminate ends it Done and the fake holds no VM,
 * NIC or OS disk of the run. Everything is on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureVmName } from '../../controller/connectors/azure/azure-driver.js';
import { startFakeArmServer, type FakeArmServer, type Json } from '../fakes/azure/fake-arm-server.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { bootFromUserData, CLOUD_APP_INSTANCES, expectDeployedEverywhere, saveCloudApp } from '../helpers/cloud-e2e.js';
import type { TestController } from '../helpers/controller.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';
import type { BootedVm } from '../helpers/vm-boot.js';

const CLOUD = 'azure-test';
const SUB = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const RG = 'slipstream-e2e';
const SUBNET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default`;
const TOKEN = 'arm-e2e-token';
const PRINCIPAL = { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '0d2f6c61-5b7a-4f4e-9a55-2a0f3c1d9e11', clientSecret: 'e2e-s3cr3t' };
const IMAGE = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';
const VM_SIZE = 'Standard_B2s';
const VM_PATH = /\/virtualMachines\/ss-[0-9a-f]{20}$/i;

describe('azure cloud on the fake ARM, end to end (sqlite)', () => {
  let arm: FakeArmServer;
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  const booted: BootedVm[] = [];

  beforeAll(async () => {
    const started = Date.now();
    arm = await startFakeArmServer({ subscriptionId: SUB, resourceGroup: RG, token: TOKEN, servicePrincipal: PRINCIPAL });
    harness = await startHarness({
      database: 'sqlite',
      clouds: [
        {
          name: CLOUD,
          driver: 'azure',
          settings: { subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', subnetId: SUBNET, vmSize: VM_SIZE, endpoint: arm.url, authorityHost: arm.url },
          credential: PRINCIPAL,
        },
      ],
      driverOptions: { azure: { trustedCaPem: arm.caPem, pollIntervalMs: 10, maxRetries: 1, retryDelayMs: 10 } },
    });
    ({ controller, runs } = harness);
    harness.onClose(() => Promise.all(booted.map((vm) => vm.stop())));
    await saveCloudApp(harness.client, 'azure', CLOUD, IMAGE);
    console.log(`[azure-e2e] setup (fake ARM + controller) ${Date.now() - started} ms`);
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
    await arm?.close();
  }, 60_000);

  const vmsOfRun = (runId: string): Json[] => [...arm.vms.values()].filter((vm) => vm.tags?.['slipstream-run'] === runId);
  const nicsOfRun = (runId: string): Json[] => [...arm.nics.values()].filter((nic) => nic.tags?.['slipstream-run'] === runId);

  it('launches on the fake ARM, boots each VM from its customData, reaches Ready, terminates to Done', async () => {
    const t0 = Date.now();
    const launched = await runs.launch('azure/app', { defaultCloud: CLOUD, timeoutMinutes: 10 });

    // The fake holds one created VM (and NIC) per node instance.
    const vms = await waitFor(
      'the fake ARM to hold the run VMs, created',
      async () => {
        const found = vmsOfRun(launched.id);
        return found.length === CLOUD_APP_INSTANCES.length && found.every((vm) => vm.properties.provisioningState === 'Succeeded') ? found : undefined;
      },
      60_000,
    );
    const tCreated = Date.now();
    // The stored service principal signed in at the fake's token endpoint.
    expect(arm.tokenScopes.length).toBeGreaterThanOrEqual(1);
    expect(arm.tokenScopes[0]).toContain(`${arm.url}/.default`);
    expect(vms.map((vm) => vm.tags['slipstream-instance']).sort()).toEqual(CLOUD_APP_INSTANCES);
    expect(nicsOfRun(launched.id)).toHaveLength(CLOUD_APP_INSTANCES.length);
    const controllerIds = new Set(vms.map((vm) => vm.tags['slipstream-controller']));
    expect(controllerIds.size).toBe(1);
    expect([...controllerIds][0]).toMatch(/.+/);

    for (const vm of vms) {
      const instance = vm.tags['slipstream-instance'] as string;
      // The VM name is derived from the idempotency key `${run}/${instance}`.
      expect(vm.name).toBe(azureVmName(`${launched.id}/${instance}`));
      const put = arm.lastVmPut(vm.name)!;
      expect(arm.calls('PUT', new RegExp(`/virtualMachines/${vm.name}$`, 'i'))).toHaveLength(1);
      expect(put.location).toBe('westeurope');
      expect(put.tags).toEqual({
        'slipstream-controller': [...controllerIds][0],
        'slipstream-tenant': expect.stringMatching(/.+/),
        'slipstream-run': launched.id,
        'slipstream-instance': instance,
        'slipstream-nic': `${vm.name}-nic`,
      });
      const props = put.properties;
      expect(props.hardwareProfile).toEqual({ vmSize: VM_SIZE });
      expect(props.storageProfile.imageReference).toEqual({ publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: 'latest' });
      expect(props.storageProfile.osDisk).toMatchObject({ name: `${vm.name}-osdisk`, deleteOption: 'Delete' });
      const nic = arm.nics.get(`${vm.name}-nic`)!;
      expect(nic.properties.ipConfigurations[0].properties.subnet.id).toBe(SUBNET);
      expect(props.networkProfile.networkInterfaces).toEqual([{ id: nic.id, properties: { primary: true, deleteOption: 'Delete' } }]);
      expect(props.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);

      // Each VM boots from the customData it was created with, and nothing else.
      const userData = Buffer.from(props.osProfile.customData as string, 'base64').toString('utf8');
      expect(Buffer.from(userData, 'utf8').toString('base64')).toBe(props.osProfile.customData);
      booted.push(await bootFromUserData(userData, { controller: controller.address, runId: launched.id, instance }));
    }

    await expectDeployedEverywhere(runs, launched.id);
    const tReady = Date.now();

    const names = vms.map((vm) => vm.name as string);
    await runs.terminate(launched.id);
    await runs.waitForState(launched.id, RunState.RUN_STATE_DONE, 60_000);
    const tDone = Date.now();
    await waitFor(
      'every VM, NIC and OS disk of the run to be gone from the fake ARM',
      async () => (vmsOfRun(launched.id).length === 0 && nicsOfRun(launched.id).length === 0 && names.every((n) => !arm.disks.has(`${n}-osdisk`.toLowerCase())) ? true : undefined),
      30_000,
    );
    expect(arm.calls('DELETE', VM_PATH).length).toBeGreaterThanOrEqual(CLOUD_APP_INSTANCES.length);
    for (const name of names) expect(arm.calls('DELETE', new RegExp(`/virtualMachines/${name}$`, 'i')).length).toBeGreaterThanOrEqual(1);
    // The agents end with their run.
    await waitFor('every booted agent to exit', async () => (booted.every((vm) => vm.exited) ? true : undefined), 30_000);
    console.log(`[azure-e2e] VMs created ${tCreated - t0} ms, Ready ${tReady - t0} ms, Done ${tDone - t0} ms, all gone ${Date.now() - t0} ms`);
  }, 240_000);
});
