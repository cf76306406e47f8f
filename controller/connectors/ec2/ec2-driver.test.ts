/**
 * The ec2 driver against a real moto server on 127.0.0.1. Addresses moto
 * returns are only compared, never contacted.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/free-port.js';
import { waitFor } from '../../../test/helpers/poll.js';
import { ConnectorError, type CloudConnector, type ImageBuilder, type VmSpec } from '../connector.js';
import { createEc2Driver, type Ec2DriverOptions } from './ec2-driver.js';
import { amiStatus } from './images.js';
import { startMoto, type MotoServer } from '../../../test/fakes/ec2/moto-server.js';

const log = pino({ level: 'silent' });
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const REGION = 'us-east-1';

let moto: MotoServer;
let inspect: EC2Client;
let ami: string;
let rootDevice: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  moto = await startMoto();
  // A copy: the SDK marks the credentials object it is given ($source).
  inspect = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: { ...credentials }, maxAttempts: 1 });
  // One of moto's stock AMIs (the first EC2 call of a region takes moto a few seconds).
  const images = await inspect.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }));
  const image = images.Images!.find((i) => i.RootDeviceName)!;
  ami = image.ImageId!;
  rootDevice = image.RootDeviceName!;
});

afterAll(async () => {
  inspect?.destroy();
  await moto?.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A connector on moto; every test uses a controller id of its own, so tests never see each other's VMs. */
function open(settings: Record<string, string> = {}, options: Ec2DriverOptions = {}): CloudConnector & ImageBuilder {
  const connector = createEc2Driver(options).create({ region: REGION, endpoint: moto.endpoint, ...settings }, { dataDir: '/nonexistent', log, credentials });
  cleanups.push(() => connector.close());
  return connector as CloudConnector & ImageBuilder;
}

function spec(controllerId: string, instance = 'web.1', runId = 'run-1', extra: Partial<VmSpec> = {}): VmSpec {
  return {
    tags: { controllerId, tenant: 'acme', runId, instance },
    image: ami,
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance, bootstrapToken: 'sbt_secret' },
    userData: `#cloud-config\nwrite_files:\n  - path: /etc/slipstream/hello\n    content: "héllo ${instance}"\n`,
    idempotencyKey: `${runId}/${instance}`,
    ...extra,
  };
}

const newController = () => `ctl-${randomUUID().slice(0, 8)}`;
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);

async function ec2Instance(vmId: string): Promise<Instance> {
  const output = await inspect.send(new DescribeInstancesCommand({ InstanceIds: [vmId] }));
  return output.Reservations![0]!.Instances![0]!;
}

async function instancesTagged(controllerId: string): Promise<Instance[]> {
  const output = await inspect.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:slipstream:controller', Values: [controllerId] }] }));
  return (output.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

const tagMap = (tags: Array<{ Key?: string; Value?: string }> | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

describe('ec2 driver on moto: provision', () => {
  it('makes an instance with the tags, user-data, instance type and root volume', async () => {
    const controllerId = newController();
    const connector = open();
    const request = spec(controllerId, 'web.1', 'run-1', { diskGB: 12, options: { instanceType: 't3.small' } });
    const vm = await connector.provision(request);

    expect(vm.vmId).toMatch(/^i-[0-9a-f]+$/);
    expect(['pending', 'running']).toContain(vm.state);
    expect(vm.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(vm.hostname).toMatch(/\.internal$/);
    expect(vm.tags).toEqual(request.tags);

    const instance = await ec2Instance(vm.vmId);
    expect(instance.ImageId).toBe(ami);
    expect(instance.InstanceType).toBe('t3.small');
    expect(instance.PrivateIpAddress).toBe(vm.ip);
    const expectedTags = {
      Name: 'slipstream run-1 web.1',
      'slipstream:controller': controllerId,
      'slipstream:tenant': 'acme',
      'slipstream:run': 'run-1',
      'slipstream:instance': 'web.1',
      'slipstream:idempotency': 'run-1/web.1',
    };
    expect(tagMap(instance.Tags)).toEqual(expectedTags);

    const userData = await inspect.send(new DescribeInstanceAttributeCommand({ InstanceId: vm.vmId, Attribute: 'userData' }));
    expect(Buffer.from(userData.UserData!.Value!, 'base64').toString('utf8')).toBe(request.userData);

    const volumes = await inspect.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [vm.vmId] }] }));
    expect(volumes.Volumes).toHaveLength(1);
    expect(volumes.Volumes![0]).toMatchObject({ Size: 12, VolumeType: 'gp3' });
    expect(volumes.Volumes![0]!.Attachments![0]!.Device).toBe(rootDevice);
    expect(tagMap(volumes.Volumes![0]!.Tags)).toEqual(expectedTags);
  });

  it('returns the same instance for the same key: retried, concurrent, and from another connector', async () => {
    const controllerId = newController();
    const connector = open();
    const first = await connector.provision(spec(controllerId));
    const again = await connector.provision(spec(controllerId));
    const concurrent = await Promise.all([1, 2, 3].map(() => connector.provision(spec(controllerId))));
    const elsewhere = await open().provision(spec(controllerId));
    for (const vm of [again, ...concurrent, elsewhere]) expect(vm.vmId).toBe(first.vmId);
    expect((await instancesTagged(controllerId)).map((i) => i.InstanceId)).toEqual([first.vmId]);

    const other = await connector.provision(spec(controllerId, 'web.2'));
    expect(other.vmId).not.toBe(first.vmId);
    expect(await instancesTagged(controllerId)).toHaveLength(2);
  });

  it('takes the instance type from options, then settings, then cpu and ramGB', async () => {
    const controllerId = newController();
    const typeOf = async (connector: CloudConnector, instance: string, extra: Partial<VmSpec>) =>
      (await ec2Instance((await connector.provision(spec(controllerId, instance, 'run-1', extra))).vmId)).InstanceType;
    const withDefault = open({ instanceType: 'm5.large' });
    expect(await typeOf(withDefault, 'a.1', { cpu: 4, ramGB: 16, options: { instanceType: 'c5.large' } })).toBe('c5.large');
    expect(await typeOf(withDefault, 'a.2', { cpu: 4, ramGB: 16 })).toBe('m5.large');
    const plain = open();
    expect(await typeOf(plain, 'a.3', { cpu: 4, ramGB: 16 })).toBe('t3.xlarge');
    expect(await typeOf(plain, 'a.4', {})).toBe('t3.micro');
    const err = (await failure(plain.provision(spec(controllerId, 'a.5', 'run-1', { cpu: 512 })))) as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('invalid');
    expect(err.message).toMatch(/options\.instanceType/);
  });

  it('refuses bad options and oversized user-data before calling EC2', async () => {
    const controllerId = newController();
    const connector = open();
    const bad = (await failure(connector.provision(spec(controllerId, 'web.1', 'run-1', { options: { volumeSizeGB: 'big', flavor: 'x' } })))) as ConnectorError;
    expect(bad.kind).toBe('invalid');
    expect(bad.message).toMatch(/options\.volumeSizeGB .*options\.flavor/);
    const big = (await failure(connector.provision(spec(controllerId, 'web.2', 'run-1', { userData: 'x'.repeat(16 * 1024 + 1) })))) as ConnectorError;
    expect(big.kind).toBe('invalid');
    expect(await instancesTagged(controllerId)).toEqual([]);
  });

  it('maps EC2 refusals: an unknown subnet or image is not_found', async () => {
    const controllerId = newController();
    const connector = open({ subnetId: 'subnet-12345678' });
    const subnet = (await failure(connector.provision(spec(controllerId)))) as ConnectorError;
    expect(subnet).toBeInstanceOf(ConnectorError);
    expect({ kind: subnet.kind, retryable: subnet.retryable }).toEqual({ kind: 'not_found', retryable: false });
    expect(subnet.message).toMatch(/InvalidSubnetID\.NotFound/);
    expect(subnet.message).not.toContain(credentials.secretAccessKey);

    const image = (await failure(open().provision(spec(controllerId, 'web.2', 'run-1', { image: 'ami-00000000000000000', diskGB: 10 })))) as ConnectorError;
    expect(image.kind).toBe('not_found');
    expect(await instancesTagged(controllerId)).toEqual([]);
  });

  it('an unreachable endpoint is transient', async () => {
    const port = await freePort();
    const connector = createEc2Driver({ connectTimeoutMs: 2000 }).create(
      { region: REGION, endpoint: `http://127.0.0.1:${port}` },
      { dataDir: '/nonexistent', log, credentials },
    );
    cleanups.push(() => connector.close());
    const err = (await failure(connector.listTagged({ controllerId: 'ctl-x' }))) as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect({ kind: err.kind, retryable: err.retryable }).toEqual({ kind: 'transient', retryable: true });
  });

  it('an aborted provision rejects with the reason and makes nothing', async () => {
    const controllerId = newController();
    const reason = new Error('cancelled by test');
    const err = await failure(open().provision(spec(controllerId), AbortSignal.abort(reason)));
    expect(err).toBe(reason);
    expect(await instancesTagged(controllerId)).toEqual([]);
  });
});

describe('ec2 driver on moto: describe, list, terminate', () => {
  it('lists by controller and by run, every page, terminated ones included', async () => {
    const controllerId = newController();
    const connector = open({}, { listPageSize: 5 });
    const runA = await Promise.all(['web.1', 'web.2', 'web.3', 'web.4'].map((i) => connector.provision(spec(controllerId, i, 'run-a'))));
    const runB = await Promise.all(['db.1', 'db.2', 'db.3'].map((i) => connector.provision(spec(controllerId, i, 'run-b'))));
    await connector.provision(spec(newController(), 'web.1', 'run-a'));

    const all = await connector.listTagged({ controllerId });
    expect(all.map((vm) => vm.vmId).sort()).toEqual([...runA, ...runB].map((vm) => vm.vmId).sort());
    const onlyA = await connector.listTagged({ controllerId, runId: 'run-a' });
    expect(onlyA.map((vm) => vm.tags.instance).sort()).toEqual(['web.1', 'web.2', 'web.3', 'web.4']);
    expect(onlyA.every((vm) => vm.tags.controllerId === controllerId && vm.tags.runId === 'run-a' && vm.tags.tenant === 'acme')).toBe(true);
    expect(await connector.listTagged({ controllerId, runId: 'run-c' })).toEqual([]);

    await connector.terminate(runB[0]!.vmId);
    const afterTerminate = await connector.listTagged({ controllerId, runId: 'run-b' });
    expect(afterTerminate).toHaveLength(3);
    expect(afterTerminate.find((vm) => vm.vmId === runB[0]!.vmId)!.state).toBe('terminated');
  });

  it('describes a VM as provisioned, and unknown ids as undefined', async () => {
    const controllerId = newController();
    const connector = open();
    const vm = await connector.provision(spec(controllerId));
    const described = await connector.describe(vm.vmId);
    expect(described).toMatchObject({ vmId: vm.vmId, ip: vm.ip, hostname: vm.hostname, tags: vm.tags });
    expect(['pending', 'running']).toContain(described!.state);
    expect(await connector.describe('i-0123456789abcdef0')).toBeUndefined();
    expect(await connector.describe('local-run-1-web.1')).toBeUndefined();
  });

  it('terminates idempotently; describe then reports terminated', async () => {
    const controllerId = newController();
    const connector = open();
    const vm = await connector.provision(spec(controllerId));
    await connector.terminate(vm.vmId);
    await connector.terminate(vm.vmId);
    await connector.terminate('i-0123456789abcdef0');
    await connector.terminate('not-an-instance');
    const state = await waitFor('the instance to be terminated', async () => ((await connector.describe(vm.vmId))?.state === 'terminated' ? true : undefined));
    expect(state).toBe(true);
    // A terminated instance still answers its key: the same VM, as EC2's ClientToken would.
    expect((await connector.provision(spec(controllerId))).vmId).toBe(vm.vmId);
  });

  it('builds an image from a VM', async () => {
    const controllerId = newController();
    const connector = open();
    expect(connector.capabilities()).toEqual({ buildImage: true, sshKeys: true, maxParallelProvisioning: 10 });
    const vm = await connector.provision(spec(controllerId));
    const imageId = await connector.buildImage(vm.vmId, 'web image (v1)');
    const images = await inspect.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    expect(images.Images![0]!.Name).toBe('web image (v1)');
    expect(tagMap(images.Images![0]!.Tags)).toMatchObject({ 'slipstream:controller': controllerId, 'slipstream:tenant': 'acme', 'slipstream:source-vm': vm.vmId });
    // Asked again with the same name (the first answer was lost): the same AMI.
    expect(await connector.buildImage(vm.vmId, 'web image (v1)')).toBe(imageId);
    expect(((await failure(connector.buildImage('i-0123456789abcdef0', 'x image'))) as ConnectorError).kind).toBe('not_found');
    expect(((await failure(connector.buildImage(vm.vmId, 'no*stars'))) as ConnectorError).kind).toBe('invalid');
  });

  it('reports an image available once EC2 says so, failed when EC2 does not know it, and deletes it with its snapshots', async () => {
    const controllerId = newController();
    const connector = open();
    const vm = await connector.provision(spec(controllerId));
    const imageId = await connector.buildImage(vm.vmId, 'web image (v2)');
    const status = await waitFor('the image to leave pending', async () => {
      const current = await connector.imageStatus(imageId);
      return current.state === 'pending' ? undefined : current;
    });
    expect(status).toEqual({ state: 'available' });
    const snapshots = (await inspect.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!.BlockDeviceMappings!.flatMap((m) =>
      m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
    );
    expect(snapshots).toHaveLength(1);

    expect(await connector.imageStatus('ami-00000000000000000')).toEqual({ state: 'failed', message: 'ec2: image ami-00000000000000000 does not exist' });
    expect(await connector.imageStatus('not-an-ami')).toEqual({ state: 'failed', message: 'ec2: not-an-ami is not an AMI id' });

    await connector.deleteImage(imageId);
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'failed', message: `ec2: image ${imageId} does not exist` });
    for (const snapshotId of snapshots) {
      const left = await inspect.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })).then((o) => o.Snapshots ?? [], () => []);
      expect(left).toEqual([]);
    }
    await connector.deleteImage(imageId);
    await connector.deleteImage('ami-00000000000000000');
    await connector.deleteImage('not-an-ami');
  });

  it('maps the AMI states EC2 reports', () => {
    expect(amiStatus({ ImageId: 'ami-1', State: 'pending' })).toEqual({ state: 'pending' });
    expect(amiStatus({ ImageId: 'ami-1', State: 'transient', StateReason: { Code: 'x', Message: 'copying' } })).toEqual({ state: 'pending', message: 'copying' });
    expect(amiStatus({ ImageId: 'ami-1', State: 'available' })).toEqual({ state: 'available' });
    expect(amiStatus({ ImageId: 'ami-1', State: 'failed', StateReason: { Code: 'Client.SnapshotLimitExceeded', Message: 'too many snapshots' } })).toEqual({
      state: 'failed',
      message: 'ec2: image ami-1 is failed: too many snapshots',
    });
    expect(amiStatus({ ImageId: 'ami-1', State: 'deregistered' })).toEqual({ state: 'failed', message: 'ec2: image ami-1 is deregistered' });
  });
});
