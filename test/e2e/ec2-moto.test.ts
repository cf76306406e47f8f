/**
 * The ec2 driver end to end against moto: a controller with an `ec2` cloud
 * pointed at moto launches a two-node application; the instances exist in
 * moto with the right image, type, tags and #cloud-config user-data; each
 * "VM" is booted here from its own user-data (vm-boot.ts), so the real
 * agents dial back and the run reaches Ready; terminate ends it Done and
 * every instance is terminated in moto. Addresses moto hands back are data
 * only: nothing is ever sent to them.
 */
import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer } from '../fakes/ec2/moto-server.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { bootFromUserData, CLOUD_APP_INSTANCES, expectDeployedEverywhere, saveCloudApp } from '../helpers/cloud-e2e.js';
import type { TestController } from '../helpers/controller.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';
import type { BootedVm } from '../helpers/vm-boot.js';

const REGION = 'eu-west-1';
const CLOUD = 'aws-test';

describe('ec2 cloud on moto, end to end (sqlite)', () => {
  let moto: MotoServer;
  let inspect: EC2Client;
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  let ami: string;
  const booted: BootedVm[] = [];

  beforeAll(async () => {
    const started = Date.now();
    moto = await startMoto();
    inspect = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
    // One of moto's stock AMIs (the first EC2 call of a region takes moto a few seconds).
    const images = await inspect.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }));
    ami = images.Images!.find((i) => i.ImageId)!.ImageId!;
    harness = await startHarness({
      database: 'sqlite',
      clouds: [
        {
          name: CLOUD,
          driver: 'ec2',
          settings: { region: REGION, endpoint: moto.endpoint, instanceType: 't3.micro' },
          credential: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        },
      ],
    });
    ({ controller, runs } = harness);
    harness.onClose(() => Promise.all(booted.map((vm) => vm.stop())));
    await saveCloudApp(harness.client, 'ec2', CLOUD, ami);
    console.log(`[ec2-moto] setup (moto + controller) ${Date.now() - started} ms`);
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
    inspect?.destroy();
    await moto?.stop();
  }, 60_000);

  async function instancesOfRun(runId: string): Promise<Instance[]> {
    const output = await inspect.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:slipstream:run', Values: [runId] }] }));
    return output.Reservations!.flatMap((r) => r.Instances ?? []);
  }

  it('launches on moto, boots each VM from its user-data, reaches Ready, terminates to Done', async () => {
    const t0 = Date.now();
    const launched = await runs.launch('ec2/app', { defaultCloud: CLOUD, timeoutMinutes: 10 });

    // moto holds one instance per node instance.
    const instances = await waitFor(
      'moto to hold the run instances',
      async () => {
        const found = await instancesOfRun(launched.id);
        return found.length === CLOUD_APP_INSTANCES.length ? found : undefined;
      },
      60_000,
    );
    const tMoto = Date.now();
    const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;
    expect(instances.map((i) => tag(i, 'slipstream:instance')).sort()).toEqual(CLOUD_APP_INSTANCES);
    const controllerIds = new Set(instances.map((i) => tag(i, 'slipstream:controller')));
    expect(controllerIds.size).toBe(1);
    expect([...controllerIds][0]).toMatch(/.+/);
    for (const instance of instances) {
      expect(instance.ImageId).toBe(ami);
      expect(instance.InstanceType).toBe('t3.micro');
      expect(['pending', 'running']).toContain(instance.State?.Name);
      expect(tag(instance, 'slipstream:run')).toBe(launched.id);
      expect(tag(instance, 'slipstream:tenant')).toMatch(/.+/);
      expect(tag(instance, 'slipstream:idempotency')).toBe(`${launched.id}/${tag(instance, 'slipstream:instance')}`);
      expect(tag(instance, 'Name')).toBe(`slipstream ${launched.id} ${tag(instance, 'slipstream:instance')}`);
    }

    // Each VM boots from the user-data moto stored for it, and nothing else.
    for (const instance of instances) {
      const attribute = await inspect.send(new DescribeInstanceAttributeCommand({ InstanceId: instance.InstanceId!, Attribute: 'userData' }));
      const userData = Buffer.from(attribute.UserData!.Value!, 'base64').toString('utf8');
      booted.push(await bootFromUserData(userData, { controller: controller.address, runId: launched.id, instance: tag(instance, 'slipstream:instance')! }));
    }

    await expectDeployedEverywhere(runs, launched.id);
    const tReady = Date.now();

    await runs.terminate(launched.id);
    await runs.waitForState(launched.id, RunState.RUN_STATE_DONE, 60_000);
    const tDone = Date.now();
    await waitFor(
      'every moto instance to be terminated',
      async () => ((await instancesOfRun(launched.id)).every((i) => i.State?.Name === 'terminated') ? true : undefined),
      30_000,
    );
    // The agents end with their run.
    await waitFor('every booted agent to exit', async () => (booted.every((vm) => vm.exited) ? true : undefined), 30_000);
    console.log(
      `[ec2-moto] instances in moto ${tMoto - t0} ms, Ready ${tReady - t0} ms, Done ${tDone - t0} ms, all terminated ${Date.now() - t0} ms`,
    );
  }, 240_000);
});
