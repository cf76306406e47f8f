/**
 * The gcp driver's images against the fake Compute API: insert an image of
 * a running VM's boot disk (forceCreate), follow images.get to READY, delete it.
 */
import { tmpdir } from 'node:os';
import { OAuth2Client } from 'google-auth-library';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { buildsImages, type CloudConnector, type ImageBuilder, type VmSpec } from '../connector.js';
import { FakeComputeServer } from '../../../test/fakes/gcp/fake-compute-server.js';
import { createGcpDriver } from './gcp-driver.js';
import { checkGcpImage } from './settings.js';
import { gcpImageName } from './images.js';

const PROJECT = 'slipstream-test';
const ZONE = 'europe-west1-b';
const log = pino({ level: 'silent' });

let server: FakeComputeServer;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(async () => {
  server = await FakeComputeServer.start({ operationRounds: 1 });
  cleanups.push(() => server.close());
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connect(): CloudConnector & ImageBuilder {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'test-token' });
  const connector = createGcpDriver({ authClient: () => auth, maxPollIntervalMs: 50 }).create(
    { project: PROJECT, zone: ZONE, endpoint: server.endpoint },
    { dataDir: tmpdir(), log, credentials: {} },
  );
  cleanups.push(() => connector.close());
  if (!buildsImages(connector)) throw new Error('the gcp connector should build images');
  return connector;
}

function spec(runId = 'run-1', image = 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64'): VmSpec {
  return {
    tags: { controllerId: 'ctl-1', tenant: 'acme', runId, instance: 'web.1' },
    image,
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance: 'web.1', bootstrapToken: 'sbt_secret' },
    userData: '#cloud-config\n',
    idempotencyKey: `${runId}/web.1`,
  };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);
const untilSettled = (connector: ImageBuilder, imageId: string) =>
  waitFor('the image to leave pending', async () => {
    const status = await connector.imageStatus(imageId);
    return status.state === 'pending' ? undefined : status;
  });

describe('gcp driver: images', () => {
  it('images the running VM’s boot disk, reports pending then available, and a VM boots the image', async () => {
    const connector = connect();
    const vm = await connector.provision(spec());
    const imageId = await connector.buildImage(vm.vmId, 'Shop web (v3)');
    const name = gcpImageName('Shop web (v3)', vm.vmId);
    expect(name).toMatch(/^shop-web-v3-[0-9a-f]{12}$/);
    expect(imageId).toBe(`projects/${PROJECT}/global/images/${name}`);
    expect(checkGcpImage(imageId)).toBeUndefined();
    // Still running (a stopped VM would look lost to the reconciler): GCE takes its disk with forceCreate.
    expect((await connector.describe(vm.vmId))?.state).toBe('running');
    expect(server.requests.find((r) => r.method === 'POST' && r.path.endsWith('/global/images'))!.query.forceCreate).toBe('true');
    const image = server.image(PROJECT, name)!;
    expect(image.sourceDisk).toBe(`projects/${PROJECT}/zones/${ZONE}/disks/${vm.vmId}`);
    expect(image.body).toMatchObject({ description: 'Shop web (v3)', labels: { 'slipstream-run': 'run-1', 'slipstream-instance': expect.stringMatching(/^web_1-[0-9a-f]{8}$/) } });
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'pending' });
    expect(await untilSettled(connector, imageId)).toEqual({ state: 'available' });

    // The same build asked again (a controller that crashed after the insert) is the same image.
    expect(await connector.buildImage(vm.vmId, 'Shop web (v3)')).toBe(imageId);
    expect(server.images.size).toBe(1);

    const booted = await connector.provision(spec('run-2', imageId));
    expect(booted.state).toBe('running');
  });

  it('says failed for a FAILED image, one GCE does not know and an id that is no image; deletes idempotently', async () => {
    const connector = connect();
    const vm = await connector.provision(spec());
    server.inject({ method: 'imageInsert', operationError: 'RESOURCE_OPERATION_RATE_EXCEEDED', message: 'too many images' });
    const imageId = await connector.buildImage(vm.vmId, 'web');
    expect(await untilSettled(connector, imageId)).toEqual({ state: 'failed', message: `gcp: image ${imageId} is FAILED: GCE could not create it from its disk` });

    await connector.deleteImage(imageId);
    expect(server.images.size).toBe(0);
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'failed', message: `gcp: image ${imageId} does not exist` });
    await connector.deleteImage(imageId);
    await connector.deleteImage('ami-12345678');
    expect(await connector.imageStatus('projects/debian-cloud/global/images/family/debian-12')).toMatchObject({ state: 'failed', message: expect.stringMatching(/is not an image id/) });
  });

  it('refuses a VM that does not exist, and names the cloud’s refusals', async () => {
    const connector = connect();
    expect(await failure(connector.buildImage('ss-00000000000000000000', 'web'))).toMatchObject({ kind: 'not_found', message: 'gcp: build image: instance ss-00000000000000000000 does not exist' });
    expect(await failure(connector.buildImage('Not A Name', 'web'))).toMatchObject({ kind: 'not_found' });
    const vm = await connector.provision(spec());
    expect(await failure(connector.buildImage(vm.vmId, ' '))).toMatchObject({ kind: 'invalid' });
    server.inject({ method: 'imageInsert', status: 403, reason: 'QUOTA_EXCEEDED', message: "Quota 'IMAGES' exceeded. Limit: 100.0 globally." });
    expect(await failure(connector.buildImage(vm.vmId, 'web'))).toMatchObject({ kind: 'quota', message: expect.stringContaining("Quota 'IMAGES' exceeded") });
    await connector.terminate(vm.vmId);
    expect(await failure(connector.buildImage(vm.vmId, 'web'))).toMatchObject({ kind: 'not_found' });
  });
});

describe('fake Compute API: images as GCE makes them', () => {
  it('refuses an image of a disk a running instance uses unless forceCreate, and one of a disk that does not exist', async () => {
    const connector = connect();
    const vm = await connector.provision(spec());
    const insert = (query: string, sourceDisk: string) =>
      fetch(`${server.endpoint}/compute/v1/projects/${PROJECT}/global/images${query}`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'direct', sourceDisk }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { errors: Array<{ reason: string }> } } }));
    const inUse = await insert('', `zones/${ZONE}/disks/${vm.vmId}`);
    expect(inUse.status).toBe(400);
    expect(inUse.body.error!.errors[0]!.reason).toBe('resourceInUseByAnotherResource');
    expect((await insert('', `zones/${ZONE}/disks/nope`)).status).toBe(404);
    expect((await insert('?forceCreate=true', `zones/${ZONE}/disks/${vm.vmId}`)).status).toBe(200);
    // The boot disk goes with its instance (autoDelete).
    await connector.terminate(vm.vmId);
    expect(server.disks.size).toBe(0);
  });
});
