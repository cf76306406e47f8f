/**
 * Clouds whose VMs run on the controller's own host (`local`, and `fake`
 * clouds in front of it) are the operator tenant's: another tenant launches
 * on them only once an operator admin has given it a quota there (its implicit
 * quota is 0, and a launch without one is PERMISSION_DENIED naming the command
 * that enables it). Real controller, real agents, both databases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import { createSlipstreamClient, type SlipstreamClient, type SlipstreamError } from '../../client/index.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { component } from '../helpers/fixtures.js';
import { TestRuns } from '../helpers/runs.js';

describe.each(TEST_DATABASES)('who may use the local driver, on %s', (database) => {
  let controller: TestController;
  let dir: string;
  let operator: SlipstreamClient;
  let acme: SlipstreamClient;
  let acmeToken: string;
  let operatorRuns: TestRuns;
  let acmeRuns: TestRuns;

  /** The CLI as the operator admin (default) or another token. */
  const cli = async (argv: string[], token = controller.adminToken) => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: token }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };
  const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err as SlipstreamError);

  beforeAll(async () => {
    controller = await startTestController({
      database,
      extraClouds: [{ name: 'flaky', driver: 'fake', settings: { world: `local-access-${database}` } }],
    });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-local-access-'));
    operator = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    acmeToken = (await operator.tenants.create({ name: 'acme' })).adminToken;
    acme = createSlipstreamClient({ address: controller.address, token: acmeToken });
    operatorRuns = new TestRuns(operator);
    acmeRuns = new TestRuns(acme);
    for (const client of [operator, acme]) await client.modules.save(component('la/c', { images: { local: 'local', flaky: 'local' } }));
  });

  afterAll(async () => {
    await acmeRuns?.terminateAll().catch(() => undefined);
    await operatorRuns?.terminateAll().catch(() => undefined);
    operator?.close();
    acme?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses another tenant's launch on local (and on a fake cloud in front of it) until an operator admin enables it", async () => {
    const err = await refusal(acmeRuns.launch('la/c'));
    expect(err?.code).toBe(status.PERMISSION_DENIED);
    expect(err?.message).toContain("cloud 'local' runs recipes on the controller's own host");
    expect(err?.message).toContain('slipstream quota set local MAX --tenant acme');
    expect(err?.metadata).toEqual({ cloud: 'local', tenant: 'acme', enableWith: 'slipstream quota set local MAX --tenant acme' });
    const onFake = await refusal(acmeRuns.launch('la/c', { defaultCloud: 'flaky' }));
    expect(onFake?.code).toBe(status.PERMISSION_DENIED);
    expect(onFake?.metadata.cloud).toBe('flaky');
    expect(await acmeRuns.call(acmeRuns.raw.listRuns, { states: [], tag: '', module: '', pageSize: 0, pageToken: '' })).toMatchObject({ runs: [] });

    // The implicit quota shows, for the tenant itself and for the operator.
    const implicit = 'TENANT\tCLOUD\tMAX INSTANCES\tUSED\nacme\tflaky\t0\t0\nacme\tlocal\t0\t0\n';
    expect((await cli(['quota', 'list'], acmeToken)).out).toBe(implicit);
    expect((await cli(['quota', 'list', '--tenant', 'acme'])).out).toBe(implicit);
  });

  it('the operator tenant needs no quota there', async () => {
    expect(await operator.clouds.listQuotas()).toEqual([]);
    const run = await operatorRuns.launch('la/c');
    await operatorRuns.waitForState(run.id, RunState.RUN_STATE_READY);
  });

  it('after `quota set local N --tenant acme` its runs are provisioned and reach Ready, within N', async () => {
    const set = await cli(['quota', 'set', 'local', '1', '--tenant', 'acme']);
    expect(set).toMatchObject({ code: 0, out: 'tenant\tacme\ncloud\tlocal\nmax instances\t1\nused\t0\n' });
    const run = await acmeRuns.launch('la/c');
    await acmeRuns.waitForState(run.id, RunState.RUN_STATE_READY);
    // The quota given is a quota like any other.
    const past = await refusal(acmeRuns.launch('la/c'));
    expect(past?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(past?.message).toMatch(/cloud 'local'.*quota is 1 \(1 in use\)/);
    await acmeRuns.terminate(run.id);
  });

  it('--unlimited gives an unlimited grant (it does not take the use away); 0 takes it back', async () => {
    const unlimited = await cli(['quota', 'set', 'local', '--unlimited', '--tenant', 'acme', '--output', 'json']);
    expect(JSON.parse(unlimited.out)).toEqual({ tenant: 'acme', cloud: 'local', maxInstances: 'unlimited', usedInstances: expect.any(Number) });
    expect(await acme.clouds.listQuotas()).toEqual([
      { tenant: 'acme', cloud: 'flaky', maxInstances: 0, usedInstances: 0 },
      { tenant: 'acme', cloud: 'local', maxInstances: 'unlimited', usedInstances: expect.any(Number) },
    ]);
    const run = await acmeRuns.launch('la/c');
    expect(run.id).not.toBe('');

    expect((await cli(['quota', 'set', 'local', '0', '--tenant', 'acme'])).code).toBe(0);
    const revoked = await refusal(acmeRuns.launch('la/c'));
    expect(revoked?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(revoked?.message).toMatch(/the quota is 0/);
  });
});
