import { tmpdir } from 'node:os';
import type { TokenCredential } from '@azure/identity';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { ConnectorError, type CloudConnector, type VmSpec } from '../connector.js';
import { azureVmName, createAzureDriver, type AzureDriverOptions } from './azure-driver.js';
import { startFakeArmServer, type FakeArmServer } from '../../../test/fakes/azure/fake-arm-server.js';

const SUB = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const RG = 'slipstream-test';
const SUBNET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default`;
const TOKEN = 'arm-test-token';
const PRINCIPAL = { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '0d2f6c61-5b7a-4f4e-9a55-2a0f3c1d9e11', clientSecret: 's3cr3t-value' };
const IMAGE = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';

const log = pino({ level: 'silent' });
const context = { dataDir: tmpdir(), log, credentials: {} };

let arm: FakeArmServer;
beforeEach(async () => {
  arm = await startFakeArmServer({ subscriptionId: SUB, resourceGroup: RG, token: TOKEN, unavailableSizes: ['Standard_NC24'], servicePrincipal: PRINCIPAL });
});
afterEach(async () => {
  await arm.close();
});

function staticCredential(token: string): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

function settings(extra: Record<string, string> = {}): Record<string, string> {
  return { subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', subnetId: SUBNET, endpoint: arm.url, ...extra };
}

/** A connector on the fake ARM: static token, trusts its CA, polls every 5 ms, no SDK retries unless asked. */
function connector(options: AzureDriverOptions = {}, extraSettings: Record<string, string> = {}, credentials: Record<string, string> = {}): CloudConnector {
  const driver = createAzureDriver({ credential: staticCredential(TOKEN), trustedCaPem: arm.caPem, pollIntervalMs: 5, maxRetries: 0, ...options });
  return driver.create(settings(extraSettings), { ...context, credentials });
}

function spec(instance = 'web.1', runId = 'run-1', controllerId = 'ctl-1'): VmSpec {
  return {
    tags: { controllerId, tenant: 'acme', runId, instance },
    image: IMAGE,
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance, bootstrapToken: 'sbt_secret' },
    userData: `#cloud-config\n# ${runId} ${instance} ünïcode\n`,
    idempotencyKey: `key-${controllerId}-${runId}-${instance}`,
  };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);
const VM_PUT = /\/virtualMachines\/ss-[0-9a-f]{20}$/;
const NIC_PUT = /\/networkInterfaces\/ss-[0-9a-f]{20}-nic$/;

describe('azure driver: provision', () => {
  it('creates a NIC in the subnet, then the VM with base64 user-data, SSH-only Linux, tags and delete options', async () => {
    const az = connector();
    const s = spec();
    const vm = await az.provision(s);
    const name = azureVmName(s.idempotencyKey);
    expect(name).toMatch(/^ss-[0-9a-f]{20}$/);
    expect(vm).toEqual({ vmId: name, state: 'running', ip: '10.0.0.4', hostname: name, tags: s.tags });

    const nic = arm.nics.get(`${name}-nic`)!;
    expect(nic.properties.ipConfigurations[0].properties.subnet.id).toBe(SUBNET);
    expect(nic.tags).toEqual({ 'slipstream-controller': 'ctl-1', 'slipstream-tenant': 'acme', 'slipstream-run': 'run-1', 'slipstream-instance': 'web.1' });

    const put = arm.lastVmPut(name)!;
    expect(put.location).toBe('westeurope');
    expect(put.tags).toEqual({ ...nic.tags, 'slipstream-nic': `${name}-nic` });
    const props = put.properties;
    expect(Buffer.from(props.osProfile.customData, 'base64').toString('utf8')).toBe(s.userData);
    expect(props.osProfile).toMatchObject({ computerName: name, adminUsername: 'slipstream' });
    expect(props.osProfile.adminPassword).toBeUndefined();
    expect(props.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    expect(props.osProfile.linuxConfiguration.ssh.publicKeys).toEqual([
      { path: '/home/slipstream/.ssh/authorized_keys', keyData: expect.stringMatching(/^ssh-rsa AAAA\S+ slipstream-throwaway$/) },
    ]);
    expect(props.hardwareProfile).toEqual({ vmSize: 'Standard_B1s' });
    expect(props.storageProfile.imageReference).toEqual({ publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: 'latest' });
    expect(props.storageProfile.osDisk).toMatchObject({ name: `${name}-osdisk`, createOption: 'FromImage', deleteOption: 'Delete' });
    expect(props.networkProfile.networkInterfaces).toEqual([{ id: nic.id, properties: { primary: true, deleteOption: 'Delete' } }]);
    // Polled the Azure-AsyncOperation URL to completion, then read the VM.
    expect(arm.calls('GET', /\/Microsoft\.Compute\/locations\/westeurope\/operations\//).length).toBeGreaterThanOrEqual(1);
    expect(arm.vms.get(name)?.properties.provisioningState).toBe('Succeeded');
  });

  it('takes the size, subnet and disk from the options, a managed image id, and the admin key and user from the settings', async () => {
    const subnet2 = SUBNET.replace('/default', '/workers');
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE admin@example';
    const az = connector({}, { vmSize: 'Standard_D2s_v5', adminUsername: 'ops', sshPublicKey: key });
    const image = `/subscriptions/${SUB}/resourceGroups/images/providers/Microsoft.Compute/galleries/g1/images/base/versions/1.2.3`;
    const s = { ...spec(), image, options: { vmSize: 'Standard_D4s_v5', subnetId: subnet2, osDiskSizeGB: '64' } };
    const vm = await az.provision(s);
    const props = arm.lastVmPut(vm.vmId)!.properties;
    expect(props.hardwareProfile.vmSize).toBe('Standard_D4s_v5');
    expect(props.storageProfile.imageReference).toEqual({ id: image });
    expect(props.storageProfile.osDisk.diskSizeGB).toBe(64);
    expect(props.osProfile.adminUsername).toBe('ops');
    expect(props.osProfile.linuxConfiguration.ssh.publicKeys).toEqual([{ path: '/home/ops/.ssh/authorized_keys', keyData: key }]);
    expect(arm.nics.get(`${vm.vmId}-nic`)!.properties.ipConfigurations[0].properties.subnet.id).toBe(subnet2);

    const plain = await connector({}, { vmSize: 'Standard_D2s_v5' }).provision({ ...spec('web.2'), diskGB: 40.5 });
    expect(arm.lastVmPut(plain.vmId)!.properties.hardwareProfile.vmSize).toBe('Standard_D2s_v5');
    expect(arm.lastVmPut(plain.vmId)!.properties.storageProfile.osDisk.diskSizeGB).toBe(41);
  });

  it('is idempotent per key: again, concurrently, and from another connector, nothing new is made', async () => {
    const az = connector();
    const [a, b] = await Promise.all([az.provision(spec()), az.provision(spec())]);
    const c = await az.provision(spec());
    const d = await connector().provision(spec());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(d).toEqual(a);
    expect(arm.calls('PUT', VM_PUT)).toHaveLength(1);
    expect(arm.calls('PUT', NIC_PUT)).toHaveLength(1);
    expect(arm.vms.size).toBe(1);
    expect(arm.nics.size).toBe(1);
    const other = await az.provision(spec('web.2'));
    expect(other.vmId).not.toBe(a.vmId);
    expect(arm.vms.size).toBe(2);
  });

  it('resumes after an abort mid-create (a crashed controller): waits for the VM an earlier attempt is making', async () => {
    const az = connector();
    arm.holdOperations = true;
    const controller = new AbortController();
    const pending = failure(az.provision(spec(), controller.signal));
    await waitFor('the VM PUT', async () => (arm.calls('PUT', VM_PUT).length === 1 ? true : undefined));
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    const name = azureVmName(spec().idempotencyKey);
    expect(arm.vms.get(name)?.properties.provisioningState).toBe('Creating');
    const resumed = connector().provision(spec());
    await waitFor('the resumed call to look at the VM', async () => (arm.calls('GET', VM_PUT).length >= 3 ? true : undefined));
    arm.holdOperations = false;

    const vm = await resumed;
    expect(vm).toMatchObject({ vmId: name, state: 'running', ip: '10.0.0.4' });
    expect(arm.calls('PUT', VM_PUT)).toHaveLength(1);
    expect(await failure(az.provision(spec(), AbortSignal.abort()))).toMatchObject({ name: 'AbortError' });
  });

  it('replaces a VM an earlier attempt left Failed', async () => {
    const s = spec();
    const name = azureVmName(s.idempotencyKey);
    arm.seedVm(name, { provisioningState: 'Failed', tags: { 'slipstream-controller': 'ctl-1', 'slipstream-tenant': 'acme', 'slipstream-run': 'run-1', 'slipstream-instance': 'web.1' } });
    const vm = await connector().provision(s);
    expect(vm).toMatchObject({ vmId: name, state: 'running' });
    expect(arm.calls('DELETE', VM_PUT)).toHaveLength(1);
    expect(arm.calls('PUT', VM_PUT)).toHaveLength(1);
  });

  it('refuses a VM or NIC of its name that was made for another instance', async () => {
    const s = spec();
    const name = azureVmName(s.idempotencyKey);
    arm.seedVm(name, { tags: { 'slipstream-controller': 'ctl-1', 'slipstream-tenant': 'acme', 'slipstream-run': 'run-1', 'slipstream-instance': 'db.1' } });
    expect(await failure(connector().provision(s))).toMatchObject({ name: 'ConnectorError', kind: 'invalid', message: expect.stringContaining('not made for instance web.1') });
    expect(arm.calls('PUT', VM_PUT)).toHaveLength(0);
  });

  it('rejects bad images, options and user-data as invalid, naming each, before calling Azure', async () => {
    const az = connector();
    const bad = { ...spec(), image: 'ubuntu-latest', options: { vmSize: 'x', instanceType: 't3.micro', osDiskSizeGB: '0' } };
    const err = (await failure(az.provision(bad))) as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('invalid');
    expect(err.retryable).toBe(false);
    for (const part of ['options.vmSize', 'options.instanceType', 'options.osDiskSizeGB', "image 'ubuntu-latest'"]) expect(err.message).toContain(part);
    expect(await failure(az.provision({ ...spec(), userData: 'x'.repeat(70_000) }))).toMatchObject({ kind: 'invalid', message: expect.stringContaining('userData') });
    expect(await failure(az.provision({ ...spec(), tags: { ...spec().tags, runId: 'r'.repeat(300) } }))).toMatchObject({ kind: 'invalid' });
    expect(arm.requests).toHaveLength(0);
  });
});

describe('azure driver: describe, list, terminate', () => {
  it('describes a VM with its power state and address; undefined for unknown, foreign or untagged VMs', async () => {
    const az = connector();
    const vm = await az.provision(spec());
    expect(await az.describe(vm.vmId)).toEqual(vm);
    expect(arm.calls('GET', VM_PUT).at(-1)!.query.get('$expand')).toBe('instanceView');
    expect(await az.describe('ss-00000000000000000000')).toBeUndefined();
    expect(await az.describe('some-other-vm')).toBeUndefined();
    arm.seedVm('ss-11111111111111111111', { tags: { owner: 'someone' } });
    expect(await az.describe('ss-11111111111111111111')).toBeUndefined();
  });

  it('lists the VMs of a controller (optionally one run) across pages, with their addresses', async () => {
    const az = connector();
    const web1 = await az.provision(spec('web.1', 'run-1'));
    const web2 = await az.provision(spec('web.2', 'run-1'));
    const db1 = await az.provision(spec('db.1', 'run-2'));
    await az.provision(spec('web.1', 'run-1', 'ctl-2'));
    arm.seedVm('ss-11111111111111111111', { tags: { owner: 'someone' } });
    expect(arm.vms.size).toBe(5);
    const all = await az.listTagged({ controllerId: 'ctl-1' });
    expect(all.map((v) => v.vmId).sort()).toEqual([web1.vmId, web2.vmId, db1.vmId].sort());
    expect(all.find((v) => v.vmId === db1.vmId)).toEqual(db1);
    expect(await az.listTagged({ controllerId: 'ctl-1', runId: 'run-2' })).toEqual([db1]);
    expect(await az.listTagged({ controllerId: 'ctl-9' })).toEqual([]);
    // Five VMs at two per page: three pages.
    expect(arm.calls('GET', /\/virtualMachines$/).length).toBeGreaterThanOrEqual(3);
  });

  it('terminates: one delete removes VM, NIC and OS disk; again (404) and for never-made VMs it succeeds', async () => {
    const az = connector();
    const vm = await az.provision(spec());
    const other = await az.provision(spec('web.2'));
    expect(arm.disks.size).toBe(2);
    await az.terminate(vm.vmId);
    expect(arm.vms.has(vm.vmId)).toBe(false);
    expect(arm.nics.has(`${vm.vmId}-nic`)).toBe(false);
    expect(arm.disks.has(`${vm.vmId}-osdisk`)).toBe(false);
    expect(arm.vms.has(other.vmId)).toBe(true);
    expect(await az.describe(vm.vmId)).toBeUndefined();
    await az.terminate(vm.vmId);
    arm.inject({ method: 'GET', path: /\/virtualMachines\/ss-0+$/, status: 404, code: 'ResourceNotFound' });
    arm.inject({ method: 'DELETE', path: /\/networkInterfaces\/ss-0+-nic$/, status: 404, code: 'NotFound' });
    await az.terminate('ss-00000000000000000000');
    await az.terminate('not-ours');
    expect(await az.listTagged({ controllerId: 'ctl-1' })).toEqual([other]);
  });

  it('deletes a NIC left by a create that failed before its VM existed, and leaves untagged VMs alone', async () => {
    const az = connector({ maxRetries: 0 });
    const s = spec();
    arm.inject({ method: 'PUT', path: VM_PUT, status: 503, code: 'ServiceUnavailable' });
    expect(await failure(az.provision(s))).toMatchObject({ kind: 'transient' });
    const name = azureVmName(s.idempotencyKey);
    expect(arm.nics.has(`${name}-nic`)).toBe(true); // kept for the retry
    await az.terminate(name);
    expect(arm.nics.size).toBe(0);
    arm.seedVm('ss-22222222222222222222', { tags: {} });
    expect(await failure(az.terminate('ss-22222222222222222222'))).toMatchObject({ kind: 'invalid' });
    expect(arm.vms.has('ss-22222222222222222222')).toBe(true);
  });

  it('states its capabilities', () => {
    expect(connector().capabilities()).toEqual({ buildImage: true, sshKeys: false, maxParallelProvisioning: 8 });
    expect(connector({}, { maxParallel: '3' }).capabilities().maxParallelProvisioning).toBe(3);
  });
});

describe('azure driver: errors from ARM', () => {
  it('throttling: 429 with Retry-After becomes transient with the hint; the SDK retries when allowed', async () => {
    arm.inject({ method: 'GET', path: VM_PUT, status: 429, code: 'TooManyRequests', headers: { 'Retry-After': '7' } });
    expect(await failure(connector().provision(spec()))).toMatchObject({ name: 'ConnectorError', kind: 'transient', retryable: true, retryAfterMs: 7000 });
    arm.inject({ method: 'GET', path: VM_PUT, status: 503, code: 'ServiceUnavailable', times: 2 });
    expect(await connector({ maxRetries: 2, retryDelayMs: 1 }).provision(spec())).toMatchObject({ state: 'running' });
  });

  it('SkuNotAvailable (409) is capacity, and the NIC made for it is removed', async () => {
    const err = await failure(connector().provision({ ...spec(), options: { vmSize: 'Standard_NC24' } }));
    expect(err).toMatchObject({ kind: 'capacity', retryable: true, message: expect.stringContaining('SkuNotAvailable') });
    expect(arm.calls('PUT', NIC_PUT)).toHaveLength(1);
    expect(arm.nics.size).toBe(0);
    expect(arm.vms.size).toBe(0);
  });

  it('a create operation that ends Failed keeps its ARM code (AllocationFailed: capacity) and leaves nothing behind', async () => {
    arm.failNextVmOperation('AllocationFailed', 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.');
    const err = await failure(connector().provision(spec()));
    expect(err).toMatchObject({ kind: 'capacity', message: expect.stringContaining('AllocationFailed') });
    expect(arm.vms.size).toBe(0);
    expect(arm.nics.size).toBe(0);
    arm.failNextVmOperation('QuotaExceeded');
    expect(await failure(connector().provision(spec()))).toMatchObject({ kind: 'quota', retryable: false });
  });

  it('a bad token is auth, a missing resource group is invalid (never "VM gone"), a 500 is transient', async () => {
    const wrong = createAzureDriver({ credential: staticCredential('wrong'), trustedCaPem: arm.caPem, maxRetries: 0 }).create(settings(), context);
    expect(await failure(wrong.describe('ss-00000000000000000000'))).toMatchObject({ kind: 'auth', retryable: false, message: expect.stringContaining('InvalidAuthenticationToken') });
    arm.inject({ path: /\/virtualMachines$/, status: 403, code: 'AuthorizationFailed' });
    expect(await failure(connector().listTagged({ controllerId: 'ctl-1' }))).toMatchObject({ kind: 'auth' });
    const lost = connector({}, { resourceGroup: 'gone' });
    expect(await failure(lost.describe('ss-00000000000000000000'))).toMatchObject({ kind: 'invalid', message: expect.stringContaining('ResourceGroupNotFound') });
    expect(await failure(lost.terminate('ss-00000000000000000000'))).toMatchObject({ kind: 'invalid' });
    arm.inject({ path: /\/virtualMachines$/, status: 500, code: 'InternalServerError' });
    expect(await failure(connector().listTagged({ controllerId: 'ctl-1' }))).toMatchObject({ kind: 'transient' });
  });

  it('trusts the test server only through the client pipeline: without its CA, TLS fails (invalid: retrying cannot help)', async () => {
    const untrusting = createAzureDriver({ credential: staticCredential(TOKEN), maxRetries: 0 }).create(settings(), context);
    expect(await failure(untrusting.describe('ss-00000000000000000000'))).toMatchObject({
      kind: 'invalid',
      retryable: false,
      message: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT'),
    });
    expect(arm.requests).toHaveLength(0);
  });
});

describe('azure driver: credentials', () => {
  const secretSettings = () => ({ authorityHost: arm.url });
  const noInjected = () => createAzureDriver({ trustedCaPem: arm.caPem, pollIntervalMs: 5, maxRetries: 0 });

  it("signs in with the tenant's service principal (client secret) at the authority host", async () => {
    const az = noInjected().create(settings(secretSettings()), { ...context, credentials: PRINCIPAL });
    const vm = await az.provision(spec());
    expect(vm.state).toBe('running');
    expect(arm.tokenScopes[0]).toContain(`${arm.url}/.default`);
  });

  it('fails every call as auth, without calling Azure, when credentials are missing; a wrong secret is auth too', async () => {
    const none = noInjected().create(settings(secretSettings()), context);
    for (const call of [none.provision(spec()), none.describe('ss-00000000000000000000'), none.terminate('ss-00000000000000000000'), none.listTagged({ controllerId: 'c' })]) {
      expect(await failure(call)).toMatchObject({ kind: 'auth', message: expect.stringContaining('tenantId, clientId, clientSecret') });
    }
    const partial = noInjected().create(settings(secretSettings()), { ...context, credentials: { tenantId: PRINCIPAL.tenantId, clientId: 'nope', clientSecret: 'x' } });
    expect(await failure(partial.listTagged({ controllerId: 'c' }))).toMatchObject({ kind: 'auth', message: expect.stringContaining('clientId') });
    expect(arm.requests).toHaveLength(0);

    const wrong = noInjected().create(settings(secretSettings()), { ...context, credentials: { ...PRINCIPAL, clientSecret: 'wrong-secret' } });
    const err = (await failure(wrong.listTagged({ controllerId: 'c' }))) as ConnectorError;
    expect(err).toMatchObject({ name: 'ConnectorError', kind: 'auth' });
    expect(err.message).not.toContain('wrong-secret');
  });
});
