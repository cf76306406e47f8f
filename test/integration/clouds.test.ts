/**
 * Clouds, credentials and quotas through a real controller: operator admins
 * manage clouds, tenants store write-only encrypted credentials, quotas are
 * enforced at launch with a message naming cloud, quota and usage.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, SlipstreamError, type SlipstreamClient } from '../../client/index.js';
import type * as pb from '../../proto/gen/slipstream/v1/clouds.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { application, component } from '../helpers/fixtures.js';

const SECRET = 'AKIA-very-secret-value-1234567890';

describe.each(TEST_DATABASES)('clouds, credentials and quotas on %s', (database) => {
  let controller: TestController;
  let operator: SlipstreamClient;
  let tenant: SlipstreamClient;
  const call = <Req, Res>(client: SlipstreamClient, name: keyof pb.CloudServiceClient, req: Req): Promise<Res> => {
    const raw = client.clouds.raw as unknown as Record<string, (...a: unknown[]) => unknown>;
    return client.rpc.unary((raw[name] as never as (...a: unknown[]) => unknown).bind(raw) as never, req) as Promise<Res>;
  };

  beforeAll(async () => {
    controller = await startTestController({ database });
    operator = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    const created = await operator.tenants.create({ name: 'acme' });
    tenant = createSlipstreamClient({ address: controller.address, token: created.adminToken });
  });

  afterAll(async () => {
    operator?.close();
    tenant?.close();
    await controller?.stop();
  });

  it('operator admins add clouds; bad drivers and settings name the field', async () => {
    const cloud = await call<pb.CreateCloudRequest, pb.CreateCloudResponse>(operator, 'createCloud', {
      name: 'lab', driver: 'fake', settings: { provisionDelayMs: '10' },
    });
    expect(cloud.cloud).toMatchObject({ name: 'lab', driver: 'fake', hasCredential: false });
    const badDriver = await call(operator, 'createCloud', { name: 'x1', driver: 'nope', settings: {} }).catch((e: unknown) => e);
    expect((badDriver as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['driver']);
    const badSetting = await call(operator, 'createCloud', { name: 'x2', driver: 'fake', settings: { colour: 'red' } }).catch((e: unknown) => e);
    expect((badSetting as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['settings.colour']);
    const notOperator = await call(tenant, 'createCloud', { name: 'mine', driver: 'fake', settings: {} }).catch((e: unknown) => e);
    expect((notOperator as SlipstreamError).code).toBe(status.PERMISSION_DENIED);
    const listed = await call<pb.ListCloudsRequest, pb.ListCloudsResponse>(tenant, 'listClouds', {});
    expect(listed.clouds.map((c) => c.name)).toEqual(['local', 'lab']);
  });

  it('GetCloud and ListClouds tell what each cloud can do from its driver and settings, without the caller’s credentials', async () => {
    await call(operator, 'createCloud', { name: 'noimages', driver: 'fake', settings: { imageOutcome: 'unsupported', maxParallel: '3' } });
    const listed = await call<pb.ListCloudsRequest, pb.ListCloudsResponse>(tenant, 'listClouds', {});
    const capabilities = new Map(listed.clouds.map((c) => [c.name, c.capabilities]));
    // local (and the fake in front of it) images a VM's folder; sshKeys and the parallelism are the local driver's.
    expect(capabilities.get('local')).toEqual({ buildImage: true, sshKeys: false, maxParallelProvisioning: 8 });
    expect(capabilities.get('lab')).toEqual({ buildImage: true, sshKeys: false, maxParallelProvisioning: 8 });
    // The settings count: images refused, the delegate's maxParallel setting read.
    expect(capabilities.get('noimages')).toEqual({ buildImage: false, sshKeys: false, maxParallelProvisioning: 3 });
    const got = await call<pb.GetCloudRequest, pb.GetCloudResponse>(tenant, 'getCloud', { name: 'noimages' });
    expect(got.cloud).toMatchObject({ hasCredential: false, capabilities: { buildImage: false, maxParallelProvisioning: 3 } });
    await call(operator, 'deleteCloud', { name: 'noimages' });
  });

  it('credentials are write-only: encrypted at rest, never returned, never logged', async () => {
    await call(tenant, 'setCredential', { cloud: 'lab', fields: { accessKeyId: 'AKIA1', secretAccessKey: SECRET } });
    const got = await call<pb.GetCloudRequest, pb.GetCloudResponse>(tenant, 'getCloud', { name: 'lab' });
    expect(got.cloud?.hasCredential).toBe(true);
    expect(JSON.stringify(got)).not.toContain(SECRET);
    const test = await call<pb.TestCloudRequest, pb.TestCloudResponse>(tenant, 'testCloud', { name: 'lab' });
    expect(test.ok).toBe(true);
    expect(JSON.stringify(controller.logs)).not.toContain(SECRET);
    expect(await databaseContains(controller, SECRET)).toBe(false);
    expect(await databaseContains(controller, 'accessKeyId')).toBe(false);
    const otherTenant = await call<pb.GetCloudRequest, pb.GetCloudResponse>(operator, 'getCloud', { name: 'lab' });
    expect(otherTenant.cloud?.hasCredential).toBe(false);
  });

  it('quotas are enforced at launch, naming the cloud, the quota and the usage', async () => {
    await call(operator, 'setQuota', { tenant: 'acme', cloud: 'local', maxInstances: 1, unlimited: false });
    await tenant.modules.save(component('q/c'));
    await tenant.modules.save(application('q/app', 'q/c'));
    const err = (await tenant.rpc
      .unary(tenant.runs.raw.launchRun.bind(tenant.runs.raw), {
        module: 'q/app', defaultCloud: '', nodeClouds: {}, parameters: {}, multiplicities: {}, tags: [],
        keepRunning: 0, scalable: false, timeoutMinutes: 0, sshPublicKeys: [], requestId: '', template: '',
      })
      .catch((e: unknown) => e)) as SlipstreamError;
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.message).toMatch(/cloud 'local'.*quota is 1 \(0 in use\)/);
    const quotas = await call<pb.ListQuotasRequest, pb.ListQuotasResponse>(tenant, 'listQuotas', { tenant: '' });
    // `lab` is a fake cloud (its VMs run with the local driver): acme has the implicit 0 there.
    expect(quotas.quotas).toEqual([
      { tenant: 'acme', cloud: 'lab', maxInstances: 0, usedInstances: 0 },
      { tenant: 'acme', cloud: 'local', maxInstances: 1, usedInstances: 0 },
    ]);
    const bad = await call(operator, 'setQuota', { tenant: 'acme', cloud: 'local', maxInstances: -2, unlimited: false }).catch((e: unknown) => e);
    expect((bad as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['max_instances']);
  });
});

/** Whether any stored byte of the controller's database contains the text. */
async function databaseContains(controller: TestController, text: string): Promise<boolean> {
  if (controller.database === 'postgres') {
    const client = new pg.Client({ connectionString: controller.databaseUrl });
    await client.connect();
    try {
      const rows = await client.query('SELECT ciphertext FROM cloud_credentials');
      return JSON.stringify(rows.rows).includes(text);
    } finally {
      await client.end();
    }
  }
  const files = readdirSync(controller.dataDir).filter((f) => f.startsWith('slipstream.db'));
  return files.some((f) => readFileSync(join(controller.dataDir, f)).includes(Buffer.from(text)));
}
