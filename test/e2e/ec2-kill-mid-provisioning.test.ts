/**
 * A controller SIGKILLed while it creates EC2 VMs (moto) and started again on
 * the same database creates no duplicate: exactly one instance per node
 * instance, whatever the crash interrupted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startMoto, type MotoServer } from '../fakes/ec2/moto-server.js';
import { startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';

const REGION = 'eu-west-1';

describe('ec2: controller killed mid-provisioning (sqlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-ec2-kill-'));
  let moto: MotoServer | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;

  afterAll(async () => {
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    await moto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates exactly one VM per instance across the crash', async () => {
    moto = await startMoto();
    const inspect = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
    const images = await inspect.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }));
    const ami = images.Images!.find((i) => i.ImageId)!.ImageId!;
    const token = newTokenSecret();
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure'];
    const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: token };
    proc = spawnController(args, env);
    await startedPort(proc);
    client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });
    await client.clouds.create('aws-kill', 'ec2', { region: REGION, endpoint: moto.endpoint, instanceType: 't3.micro', maxParallel: '1' });
    await client.clouds.setCredential('aws-kill', { accessKeyId: 'testing', secretAccessKey: 'testing' });
    await client.modules.save({ kind: 'component', path: 'kill/c', images: { 'aws-kill': ami }, resources: {}, recipes: {}, parameters: [] });
    await client.modules.save({
      kind: 'application',
      path: 'kill/app',
      nodes: [{ name: 'web', component: 'kill/c', multiplicity: 6, maxProvisioningFailures: 0, mappings: {} }],
    });
    const runs = new TestRuns(client);
    const run = await runs.launch('kill/app', { defaultCloud: 'aws-kill' });
    const ofRun = async () => {
      const found = await inspect.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:slipstream:run', Values: [run.id] }] }));
      return (found.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    };
    // Kill while creation is under way: some instances made, others not yet.
    await waitFor('the first VM in moto', async () => ((await ofRun()).length >= 1 ? true : undefined), 60_000);
    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = spawnController(args, env);
    await startedPort(proc);
    await waitFor('all six instances to have a VM id', async () => {
      const current = await runs.get(run.id);
      const instances = current.nodes.flatMap((n) => n.instances);
      return instances.length === 6 && instances.every((i) => i.instanceId !== '') ? true : undefined;
    }, 90_000);
    const instances = await ofRun();
    const perInstance = new Map<string, number>();
    for (const i of instances) {
      const name = i.Tags?.find((t) => t.Key === 'slipstream:instance')?.Value ?? '';
      perInstance.set(name, (perInstance.get(name) ?? 0) + 1);
    }
    expect([...perInstance.entries()].sort()).toEqual(['web.1', 'web.2', 'web.3', 'web.4', 'web.5', 'web.6'].map((n) => [n, 1]));
    await runs.terminate(run.id);
    await waitFor('every VM terminated in moto', async () =>
      (await ofRun()).every((i) => i.State?.Name === 'terminated') ? true : undefined, 60_000);
  }, 240_000);
});
