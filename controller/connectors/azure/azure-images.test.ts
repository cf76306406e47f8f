/**
 * The azure driver's images against the fake ARM: deallocate, generalize,
 * capture a managed image from the VM, follow it to Succeeded, boot it,
 * delete it; and ARM's refusals the fake makes as Azure does.
 */
import { tmpdir } from 'node:os';
import type { TokenCredential } from '@azure/identity';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { buildsImages, type CloudConnector, type ImageBuilder, type VmSpec } from '../connector.js';
import { startFakeArmServer, type FakeArmServer } from '../../../test/fakes/azure/fake-arm-server.js';
import { createAzureDriver } from './azure-driver.js';
import { parseImage } from './image.js';
import { azureImageName } from './images.js';

const SUB = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const RG = 'slipstream-test';
const SUBNET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default`;
const TOKEN = 'arm-test-token';
const log = pino({ level: 'silent' });

let arm: FakeArmServer;
beforeEach(async () => {
  arm = await startFakeArmServer({ subscriptionId: SUB, resourceGroup: RG, token: TOKEN });
});
afterEach(async () => {
  await arm.close();
});

const credential: TokenCredential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };

function connect(): CloudConnector & ImageBuilder {
  const connector = createAzureDriver({ credential, trustedCaPem: arm.caPem, pollIntervalMs: 5, maxRetries: 0 }).create(
    { subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', subnetId: SUBNET, endpoint: arm.url },
    { dataDir: tmpdir(), log, credentials: {} },
  );
  if (!buildsImages(connector)) throw new Error('the azure connector should build images');
  return connector;
}

function spec(runId = 'run-1', image = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest'): VmSpec {
  return {
    tags: { controllerId: 'ctl-1', tenant: 'acme', runId, instance: 'web.1' },
    image,
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance: 'web.1', bootstrapToken: 'sbt_secret' },
    userData: '#cloud-config\n',
    idempotencyKey: `key-${runId}`,
  };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);
const untilSettled = (connector: ImageBuilder, imageId: string) =>
  waitFor('the image to leave pending', async () => {
    const status = await connector.imageStatus(imageId);
    return status.state === 'pending' ? undefined : status;
  });

describe('azure driver: images', () => {
  it('deallocates and generalizes the VM, captures a managed image, follows it to available, and a VM boots it', async () => {
    const az = connect();
    const vm = await az.provision(spec());
    const imageId = await az.buildImage(vm.vmId, 'Shop web (v3)');
    const name = azureImageName('Shop web (v3)', vm.vmId);
    expect(name).toMatch(/^Shop-web-v3-[0-9a-f]{12}$/);
    expect(imageId).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/images/${name}`);
    expect(parseImage(imageId)).toEqual({ id: imageId });

    const order = arm.requests.filter((r) => r.method === 'POST' || (r.method === 'PUT' && r.path.includes('/images/'))).map((r) => `${r.method} ${r.path.split('/').slice(-1)[0]}`);
    expect(order).toEqual(['POST deallocate', 'POST generalize', `PUT ${name}`]);
    expect(arm.vmStates.get(vm.vmId)).toEqual({ power: 'deallocated', generalized: true });
    expect((await az.describe(vm.vmId))?.state).toBe('stopped');
    const image = arm.images.get(name.toLowerCase())!;
    expect(image.properties.sourceVirtualMachine.id.endsWith(`/virtualMachines/${vm.vmId}`)).toBe(true);
    expect(image.tags).toMatchObject({ 'slipstream-run': 'run-1', 'slipstream-source-vm': vm.vmId });
    expect(await az.imageStatus(imageId)).toEqual({ state: 'pending' });
    expect(await untilSettled(az, imageId)).toEqual({ state: 'available' });

    // Asked again (a controller that crashed after the capture): the same image, nothing sent again.
    const puts = arm.calls('PUT', /\/images\//).length;
    expect(await az.buildImage(vm.vmId, 'Shop web (v3)')).toBe(imageId);
    expect(arm.calls('PUT', /\/images\//).length).toBe(puts);

    const booted = await az.provision(spec('run-2', imageId));
    expect(booted.state).toBe('running');
    expect(arm.lastVmPut(booted.vmId)!.properties.storageProfile.imageReference).toEqual({ id: imageId });
  });

  it('reports a failed capture, an image ARM does not know and an id that is no managed image; deletes idempotently', async () => {
    const az = connect();
    const vm = await az.provision(spec());
    arm.failNextImageOperation('InternalOperationError', 'capture failed');
    const imageId = await az.buildImage(vm.vmId, 'web');
    expect(await untilSettled(az, imageId)).toEqual({ state: 'failed', message: `azure: image ${imageId} is Failed` });
    await az.deleteImage(imageId);
    expect(arm.images.size).toBe(0);
    expect(await az.imageStatus(imageId)).toEqual({ state: 'failed', message: `azure: image ${imageId} does not exist` });
    await az.deleteImage(imageId);
    expect(await az.imageStatus('Canonical:ubuntu:22_04:latest')).toMatchObject({ state: 'failed', message: expect.stringMatching(/not the id of a managed image/) });
    // A VM may not boot an image that is not there.
    expect(await failure(az.provision(spec('run-3', imageId)))).toMatchObject({ kind: 'not_found' });
  });

  it('refuses a VM that does not exist, or is not Slipstream’s', async () => {
    const az = connect();
    expect(await failure(az.buildImage('ss-00000000000000000000', 'web'))).toMatchObject({ kind: 'not_found', message: 'azure: build image: VM ss-00000000000000000000 does not exist' });
    expect(await failure(az.buildImage('someone-elses', 'web'))).toMatchObject({ kind: 'not_found' });
    arm.seedVm('ss-11111111111111111111', {});
    expect(await failure(az.buildImage('ss-11111111111111111111', 'web'))).toMatchObject({ kind: 'not_found' });
    const vm = await az.provision(spec());
    expect(await failure(az.buildImage(vm.vmId, ''))).toMatchObject({ kind: 'invalid' });
    expect(arm.vmStates.get(vm.vmId)).toEqual({ power: 'running', generalized: false });
  });
});

describe('fake ARM: capture rules as Azure has them', () => {
  it('refuses to generalize a running VM, to capture a VM that is not generalized, and to update a generalized one', async () => {
    const az = connect();
    const vm = await az.provision(spec());
    const base = `${arm.url}/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute`;
    // Through the SDK's own client, which trusts the fake's CA.
    const { ComputeManagementClient } = await import('@azure/arm-compute');
    const client = new ComputeManagementClient(credential, SUB, { endpoint: arm.url, tlsOptions: { ca: arm.caPem }, retryOptions: { maxRetries: 0 } });
    expect(await failure(client.virtualMachines.generalize(RG, vm.vmId))).toMatchObject({ code: 'OperationNotAllowed', message: expect.stringMatching(/since the VM is running/) });
    const vmArmId = `${base.slice(arm.url.length)}/virtualMachines/${vm.vmId}`;
    expect(await failure(client.images.createOrUpdate(RG, 'direct', { location: 'westeurope', sourceVirtualMachine: { id: vmArmId } }, { updateIntervalInMs: 5 }))).toMatchObject({
      code: 'OperationNotAllowed',
      message: expect.stringMatching(/requires the Virtual Machine .* to be Generalized/),
    });
    await client.virtualMachines.deallocate(RG, vm.vmId, { updateIntervalInMs: 5 });
    await client.virtualMachines.generalize(RG, vm.vmId);
    expect(await failure(client.images.createOrUpdate(RG, 'direct', { location: 'northeurope', sourceVirtualMachine: { id: vmArmId } }, { updateIntervalInMs: 5 }))).toMatchObject({ code: 'InvalidParameter' });
    const image = await client.images.createOrUpdate(RG, 'direct', { location: 'westeurope', sourceVirtualMachine: { id: vmArmId } }, { updateIntervalInMs: 5 });
    expect(image.provisioningState).toBe('Succeeded');
    expect(await failure(client.virtualMachines.createOrUpdate(RG, vm.vmId, { location: 'westeurope', hardwareProfile: { vmSize: 'Standard_B1s' } }, { updateIntervalInMs: 5 }))).toMatchObject({
      code: 'OperationNotAllowed',
      message: expect.stringMatching(/since the VM is generalized/),
    });
  });
});
