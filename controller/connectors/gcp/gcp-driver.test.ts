import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { OAuth2Client } from 'google-auth-library';
import type { protos } from '@google-cloud/compute';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { ConnectorError, type CloudConnector, type VmSpec, type VmTags } from '../connector.js';
import { FakeComputeServer } from '../../../test/fakes/gcp/fake-compute-server.js';
import { createGcpDriver, instanceName, type GcpDriverOptions } from './gcp-driver.js';

const PROJECT = 'slipstream-test';
const ZONE = 'europe-west1-b';
const IMAGE = 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64';
const log = pino({ level: 'silent' });

let server: FakeComputeServer;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(async () => {
  server = await FakeComputeServer.start();
  cleanups.push(() => server.close());
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An auth client holding a fixed token: no token endpoint is ever contacted. */
function staticAuth(token = 'test-token'): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token });
  return client;
}

function connect(settings: Record<string, string> = {}, options: GcpDriverOptions = {}): CloudConnector {
  const driver = createGcpDriver({ authClient: () => staticAuth(), maxPollIntervalMs: 50, ...options });
  const connector = driver.create({ project: PROJECT, zone: ZONE, endpoint: server.endpoint, ...settings }, { dataDir: tmpdir(), log, credentials: {} });
  cleanups.push(() => connector.close());
  return connector;
}

function spec(instance = 'web.1', runId = 'run-1', overrides: Partial<VmSpec> = {}): VmSpec {
  const tags: VmTags = { controllerId: 'ctl-1', tenant: 'acme', runId, instance };
  return {
    tags,
    image: IMAGE,
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance, bootstrapToken: 'sbt_secret' },
    userData: `#cloud-config\n# ${runId} ${instance}\n`,
    idempotencyKey: `${runId}/${instance}`,
    ...overrides,
  };
}

/** The insert body of an instance, as the fake received it. */
const bodyOf = (name: string) => server.instance(PROJECT, ZONE, name)!.body as protos.google.cloud.compute.v1.IInstance;
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);
const calls = (method: string, suffix = '') => server.requests.filter((r) => r.method === method && r.path.endsWith(suffix));

describe('gcp driver: provision', () => {
  it('inserts the instance with user-data, labels and exact tags in metadata, and waits for the operation', async () => {
    const connector = connect();
    const tags: VmTags = { controllerId: 'Ctl.EU/1', tenant: 'Acme Corp', runId: 'run-1', instance: 'web.1' };
    const vm = await connector.provision(spec('web.1', 'run-1', { tags, cpu: 2, ramGB: 4, diskGB: 30, options: { tags: 'web, ssh' } }));

    const name = instanceName('run-1/web.1');
    expect(vm).toEqual({ vmId: name, state: 'running', ip: expect.stringMatching(/^203\.0\.113\./), hostname: name, tags });
    const body = bodyOf(name);
    const items = Object.fromEntries(body.metadata!.items!.map((i) => [i.key, i.value]));
    expect(items).toEqual({
      'user-data': '#cloud-config\n# run-1 web.1\n',
      'slipstream-controller': 'Ctl.EU/1',
      'slipstream-tenant': 'Acme Corp',
      'slipstream-run': 'run-1',
      'slipstream-instance': 'web.1',
    });
    expect(items['startup-script']).toBeUndefined();
    expect(body.labels).toEqual({
      'slipstream-controller': expect.stringMatching(/^ctl_eu_1-[0-9a-f]{8}$/),
      'slipstream-tenant': expect.stringMatching(/^acme_corp-[0-9a-f]{8}$/),
      'slipstream-run': 'run-1',
      'slipstream-instance': expect.stringMatching(/^web_1-[0-9a-f]{8}$/),
    });
    expect(body.machineType).toBe(`zones/${ZONE}/machineTypes/e2-standard-2`);
    expect(body.tags).toEqual({ items: ['web', 'ssh'] });
    expect(body.disks).toMatchObject([{ boot: true, autoDelete: true, type: 'PERSISTENT', initializeParams: { sourceImage: IMAGE, diskSizeGb: '30' } }]);
    expect(body.networkInterfaces).toEqual([{ network: 'global/networks/default', accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }]);
    expect(calls('POST', '/wait')).toHaveLength(1);
    expect(await connector.describe(vm.vmId)).toEqual(vm);
  });

  it('uses the cloud defaults and the component options over them', async () => {
    const connector = connect({ machineType: 'n2-standard-2', network: 'projects/shared-vpc/global/networks/main', subnetwork: 'regions/europe-west1/subnetworks/apps', externalIp: 'false' });
    const plain = await connector.provision(spec('a.1'));
    expect(plain.ip).toMatch(/^10\.128\.0\./);
    const named = await connector.provision(spec('b.1', 'run-1', { cpu: 64, options: { machineType: 'c3-standard-8', diskSizeGB: '50', subnetwork: 'projects/shared-vpc/regions/europe-west1/subnetworks/db' } }));
    const a = bodyOf(plain.vmId);
    const b = bodyOf(named.vmId);
    expect(a.machineType).toBe(`zones/${ZONE}/machineTypes/n2-standard-2`);
    expect(a.disks![0]!.initializeParams!.sourceImage).toBe(IMAGE);
    expect(a.disks![0]!.initializeParams!.diskSizeGb).toBeUndefined();
    expect(a.networkInterfaces).toEqual([{ network: 'projects/shared-vpc/global/networks/main', subnetwork: 'regions/europe-west1/subnetworks/apps' }]);
    expect(b.machineType).toBe(`zones/${ZONE}/machineTypes/c3-standard-8`);
    expect(b.disks![0]!.initializeParams!.diskSizeGb).toBe('50');
    expect(b.networkInterfaces![0]!.subnetwork).toBe('projects/shared-vpc/regions/europe-west1/subnetworks/db');
  });

  it('makes one instance for one key: repeated, concurrent, and after an insert whose wait was lost', async () => {
    const connector = connect();
    const first = await connector.provision(spec());
    const again = await connector.provision(spec());
    const [x, y] = await Promise.all([connector.provision(spec('db.1')), connector.provision(spec('db.1'))]);
    expect(again).toEqual(first);
    expect(y).toEqual(x);
    expect(server.insertCalls).toBe(4);
    expect(server.instances.size).toBe(2);

    // A controller that died while waiting: its operation never finished for it.
    const impatient = connect({}, { operationTimeoutMs: 300 });
    server.operationRounds = 1_000_000;
    expect(await failure(impatient.provision(spec('app.1')))).toMatchObject({ kind: 'transient', retryable: true, message: expect.stringContaining('not done after') });
    server.completeOperations();
    server.operationRounds = 0;
    const adopted = await connector.provision(spec('app.1'));
    expect(adopted).toMatchObject({ vmId: instanceName('run-1/app.1'), state: 'running' });
    expect(server.instances.size).toBe(3);
  });

  it('waits through several rounds of a running operation', async () => {
    server.operationRounds = 3;
    const vm = await connect().provision(spec());
    expect(vm.state).toBe('running');
    expect(calls('POST', '/wait')).toHaveLength(4);
  });

  it('refuses to adopt an instance of that name made for another run', async () => {
    const connector = connect();
    await connector.provision(spec('web.1', 'run-1'));
    const clash = spec('web.1', 'run-2', { idempotencyKey: 'run-1/web.1' });
    expect(await failure(connector.provision(clash))).toMatchObject({ kind: 'invalid', message: expect.stringContaining('belongs to run run-1') });
  });

  it('validates the spec before calling the API, naming what is wrong', async () => {
    const connector = connect();
    const bad = await failure(connector.provision(spec('web.1', 'run-1', { image: 'ami-12345', options: { diskSizeGB: '5', flavor: 'x' } })));
    expect(bad).toBeInstanceOf(ConnectorError);
    expect(bad).toMatchObject({ kind: 'invalid', retryable: false });
    expect((bad as Error).message).toContain("image 'ami-12345'");
    expect((bad as Error).message).toContain('options.diskSizeGB');
    expect((bad as Error).message).toContain('options.flavor');
    const wrongRegion = await failure(connector.provision(spec('web.1', 'run-1', { options: { subnetwork: 'regions/us-east1/subnetworks/x' } })));
    expect(wrongRegion).toMatchObject({ kind: 'invalid', message: expect.stringContaining('region us-east1') });
    expect(await failure(connector.provision(spec('web.1', 'run-1', { cpu: 96 })))).toMatchObject({ kind: 'invalid', message: expect.stringContaining('options.machineType') });
    expect(server.requests).toEqual([]);
  });

  it('deletes the instance when provisioning is aborted after the insert', async () => {
    server.operationRounds = 1_000_000;
    const connector = connect();
    const controller = new AbortController();
    const pending = failure(connector.provision(spec(), controller.signal));
    await waitFor('the operation wait', async () => (calls('POST', '/wait').length > 0 ? true : undefined));
    controller.abort();
    server.operationRounds = 0; // the delete completes
    expect(await pending).toMatchObject({ name: 'AbortError' });
    expect(server.instances.size).toBe(0);
    expect(calls('DELETE')).toHaveLength(1);
    expect(await failure(connector.provision(spec(), AbortSignal.abort()))).toMatchObject({ name: 'AbortError' });
    expect(server.insertCalls).toBe(1);
  });
});

describe('gcp driver: describe, terminate, list', () => {
  it('terminates idempotently and describes a deleted VM as undefined', async () => {
    const connector = connect();
    const vm = await connector.provision(spec());
    await connector.terminate(vm.vmId);
    expect(server.instances.size).toBe(0);
    await connector.terminate(vm.vmId);
    await connector.terminate(instanceName('never/made'));
    expect(await connector.describe(vm.vmId)).toBeUndefined();
    expect(await connector.describe('Not A Name')).toBeUndefined();
    expect(await failure(connector.terminate('someone-elses-vm'))).toMatchObject({ kind: 'invalid' });
    expect(calls('DELETE')).toHaveLength(3);
  });

  it('lists by controller and run over every page, with exact tags from metadata', async () => {
    server.pageSize = 2;
    const connector = connect();
    const made = [];
    for (const [instance, runId] of [['web.1', 'run-1'], ['web.2', 'run-1'], ['db.1', 'run-1'], ['web.1', 'Run-2'], ['db.1', 'Run-2']] as const) {
      made.push(await connector.provision(spec(instance, runId)));
    }
    await connector.provision({ ...spec('web.1', 'run-1'), tags: { controllerId: 'ctl-2', tenant: 'acme', runId: 'run-1', instance: 'web.1' }, idempotencyKey: 'other' });

    const all = await connector.listTagged({ controllerId: 'ctl-1' });
    expect(all.map((v) => v.vmId).sort()).toEqual(made.map((v) => v.vmId).sort());
    expect(calls('GET', '/instances').filter((r) => r.query.filter?.includes('slipstream-controller'))).toHaveLength(3);
    const run2 = await connector.listTagged({ controllerId: 'ctl-1', runId: 'Run-2' });
    expect(run2.map((v) => v.tags)).toEqual(
      expect.arrayContaining([
        { controllerId: 'ctl-1', tenant: 'acme', runId: 'Run-2', instance: 'web.1' },
        { controllerId: 'ctl-1', tenant: 'acme', runId: 'Run-2', instance: 'db.1' },
      ]),
    );
    expect(run2).toHaveLength(2);
    expect(calls('GET', '/instances').at(-1)!.query.filter).toMatch(/^\(labels\.slipstream-controller = "ctl-1"\) \(labels\.slipstream-run = "run-2-[0-9a-f]{8}"\)$/);
    expect(await connector.listTagged({ controllerId: 'ctl-9' })).toEqual([]);
  });

  it('states its capabilities and refuses calls once closed', async () => {
    const connector = connect({ maxParallel: '3' });
    expect(connector.capabilities()).toEqual({ buildImage: true, sshKeys: false, maxParallelProvisioning: 3 });
    expect(connect().capabilities().maxParallelProvisioning).toBe(8);
    await connector.close();
    expect(await failure(connector.describe('ss-00000000000000000000'))).toMatchObject({ kind: 'invalid', message: 'gcp: the connector is closed' });
  });
});

describe('gcp driver: errors from the API', () => {
  it('maps a 429 to a retryable transient error with the Retry-After hint, and the retry succeeds', async () => {
    const connector = connect();
    server.inject({ method: 'insert', status: 429, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded', retryAfterSeconds: 3 });
    expect(await failure(connector.provision(spec()))).toMatchObject({ name: 'ConnectorError', kind: 'transient', retryable: true, retryAfterMs: 3000 });
    expect(await connector.provision(spec())).toMatchObject({ state: 'running' });
    expect(server.instances.size).toBe(1);
  });

  it('maps ZONE_RESOURCE_POOL_EXHAUSTED of the operation to capacity, leaving no instance', async () => {
    const connector = connect();
    server.inject({ method: 'insert', operationError: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: `The zone 'projects/${PROJECT}/zones/${ZONE}' does not have enough resources available to fulfill the request.` });
    const err = await failure(connector.provision(spec()));
    expect(err).toMatchObject({ kind: 'capacity', retryable: true, message: expect.stringContaining('ZONE_RESOURCE_POOL_EXHAUSTED') });
    expect(server.instances.size).toBe(0);
    server.inject({ method: 'insert', operationError: 'QUOTA_EXCEEDED', message: "Quota 'CPUS' exceeded.  Limit: 24.0 in region europe-west1.", httpStatus: 403 });
    expect(await failure(connector.provision(spec()))).toMatchObject({ kind: 'quota', retryable: false });
    expect(await connector.provision(spec())).toMatchObject({ state: 'running' });
  });

  it('maps quota, permission, authentication, not-found and server errors', async () => {
    const connector = connect();
    server.inject({ method: 'insert', status: 403, reason: 'quotaExceeded', message: "Quota 'INSTANCES' exceeded." });
    expect(await failure(connector.provision(spec()))).toMatchObject({ kind: 'quota', retryable: false });
    server.inject({ method: 'insert', status: 403, reason: 'forbidden', message: "Required 'compute.instances.create' permission" });
    expect(await failure(connector.provision(spec()))).toMatchObject({ kind: 'auth', retryable: false, message: expect.stringContaining('compute.instances.create') });
    server.inject({ method: 'insert', status: 400, reason: 'invalid', message: "Invalid value for field 'resource.machineType'" });
    expect(await failure(connector.provision(spec()))).toMatchObject({ kind: 'invalid', retryable: false });
    server.inject({ method: 'get', status: 503, reason: 'backendError', message: 'Backend Error' });
    expect(await failure(connector.describe('ss-00000000000000000000'))).toMatchObject({ kind: 'transient', retryable: true });
    server.inject({ method: 'list', status: 500, reason: 'internalError', message: 'Internal Error' });
    expect(await failure(connector.listTagged({ controllerId: 'ctl-1' }))).toMatchObject({ kind: 'transient' });
    server.inject({ method: 'delete', status: 403, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
    expect(await failure(connector.terminate('ss-00000000000000000000'))).toMatchObject({ kind: 'transient', retryable: true });

    const wrongToken = createGcpDriver({ authClient: () => staticAuth('stale') }).create({ project: PROJECT, zone: ZONE, endpoint: server.endpoint }, { dataDir: tmpdir(), log, credentials: {} });
    cleanups.push(() => wrongToken.close());
    expect(await failure(wrongToken.listTagged({ controllerId: 'ctl-1' }))).toMatchObject({ kind: 'auth', retryable: false });
  });

  it('logs facts and keeps the user-data (with its bootstrap token) out of logs and errors', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const driver = createGcpDriver({ authClient: () => staticAuth() });
    const connector = driver.create({ project: PROJECT, zone: ZONE, endpoint: server.endpoint }, { dataDir: tmpdir(), log: capture, credentials: {} });
    cleanups.push(() => connector.close());
    const secret = spec('web.1', 'run-1', { userData: '#cloud-config\nwrite_files: [{content: sbt_secret}]\n' });
    server.inject({ method: 'insert', status: 400, reason: 'invalid', message: 'bad request' });
    const err = await failure(connector.provision(secret));
    expect(err).toMatchObject({ kind: 'invalid' });
    expect(JSON.stringify(pino.stdSerializers.err(err as Error))).not.toContain('sbt_secret');
    const vm = await connector.provision(secret);
    await connector.terminate(vm.vmId);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; vmId: string })).toEqual([
      expect.objectContaining({ msg: 'gcp vm created', vmId: vm.vmId, runId: 'run-1', instance: 'web.1', driver: 'gcp' }),
      expect.objectContaining({ msg: 'gcp vm deleted', vmId: vm.vmId }),
    ]);
    expect(lines.join('')).not.toContain('sbt_secret');
  });

  it('maps an unreachable API to a transient error', async () => {
    const connector = connect();
    await server.close();
    expect(await failure(connector.describe('ss-00000000000000000000'))).toMatchObject({ kind: 'transient', retryable: true });
  });
});

describe('gcp driver: settings, options and credentials', () => {
  const driver = createGcpDriver();
  const fields = (v: Array<{ field: string }>) => v.map((x) => x.field);

  it('names every bad, missing or unknown setting', () => {
    expect(driver.name).toBe('gcp');
    expect(driver.validateSettings({ project: PROJECT, zone: ZONE })).toEqual([]);
    expect(
      driver.validateSettings({
        project: PROJECT,
        zone: ZONE,
        network: 'projects/host-project/global/networks/vpc',
        subnetwork: 'https://www.googleapis.com/compute/v1/projects/host-project/regions/europe-west1/subnetworks/apps',
        machineType: 'e2-standard-4',
        externalIp: 'false',
        endpoint: 'https://compute.example.internal:8443',
        maxParallel: '20',
      }),
    ).toEqual([]);
    expect(fields(driver.validateSettings({}))).toEqual(['settings.project', 'settings.zone']);
    expect(
      fields(
        driver.validateSettings({
          project: 'My_Project',
          zone: 'europe-west1',
          network: 'default',
          subnetwork: 'apps',
          machineType: 'E2 Small',
          externalIp: 'yes',
          endpoint: 'ftp://127.0.0.1:1/path',
          maxParallel: '0',
          region: 'eu',
        }),
      ),
    ).toEqual([
      'settings.project',
      'settings.zone',
      'settings.network',
      'settings.subnetwork',
      'settings.machineType',
      'settings.externalIp',
      'settings.endpoint',
      'settings.maxParallel',
      'settings.region',
    ]);
    expect(driver.validateSettings({ project: PROJECT, zone: ZONE, subnetwork: 'regions/us-east1/subnetworks/a' })).toEqual([
      { field: 'settings.subnetwork', description: 'is in region us-east1, but the zone europe-west1-b is in europe-west1' },
    ]);
    expect(() => driver.create({ project: PROJECT }, { dataDir: tmpdir(), log, credentials: {} })).toThrow(/settings\.zone is required/);
  });

  it('names every bad or unknown option', () => {
    expect(driver.validateOptions({ machineType: 'n2-custom-4-8192', diskSizeGB: '100', subnetwork: 'regions/europe-west1/subnetworks/a', tags: 'web,ssh' })).toEqual([]);
    expect(fields(driver.validateOptions({ machineType: 'big', diskSizeGB: '100000', subnetwork: 'a', tags: 'Web Server', instanceType: 't3.micro' }))).toEqual([
      'options.diskSizeGB',
      'options.subnetwork',
      'options.tags',
      'options.instanceType',
    ]);
    expect(fields(driver.validateOptions({ machineType: 'E2', diskSizeGB: 'ten', tags: ',' }))).toEqual(['options.machineType', 'options.diskSizeGB', 'options.tags']);
  });

  it('makes a JWT client from a service account key, and names what is wrong with bad credentials without echoing them', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = { type: 'service_account', project_id: PROJECT, private_key_id: 'k1', private_key: pem, client_email: `deployer@${PROJECT}.iam.gserviceaccount.com` };
    const settings = { project: PROJECT, zone: ZONE, endpoint: server.endpoint };
    const create = (credentials: Record<string, string>) => driver.create(settings, { dataDir: tmpdir(), log, credentials });
    const connector = create({ serviceAccountJson: JSON.stringify(key) });
    cleanups.push(() => connector.close());
    expect(connector.driver).toBe('gcp');

    const problems: Array<[Record<string, string>, RegExp]> = [
      [{}, /no serviceAccountJson/],
      [{ serviceAccountJson: 'not json SECRET' }, /not a JSON object/],
      [{ serviceAccountJson: JSON.stringify({ ...key, type: 'external_account' }) }, /must be a service account key/],
      [{ serviceAccountJson: JSON.stringify({ ...key, client_email: 'nobody' }) }, /no valid client_email/],
      [{ serviceAccountJson: JSON.stringify({ ...key, private_key: '-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----' }) }, /no valid PEM private_key/],
    ];
    for (const [credentials, message] of problems) {
      let thrown: unknown;
      try {
        create(credentials);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ name: 'ConnectorError', kind: 'auth', retryable: false, message: expect.stringMatching(message) });
      expect((thrown as Error).message).not.toContain('SECRET');
    }
  });
});
