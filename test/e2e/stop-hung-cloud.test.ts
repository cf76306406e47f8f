/**
 * A controller process whose cloud API never answers (an EC2 endpoint on
 * loopback that accepts connections and stays silent) stops on SIGTERM
 * within its grace: exit code 0, every shutdown step run.
 * - A reconciliation pass waiting on the cloud is let go of at once. Before,
 *   the stop waited for the SDK's request timeout (60 s) in its 'reconciler'
 *   step, the shutdown deadline ended the process (exit code 4), and the steps
 *   after it (the engine, handing the runs back, draining the API) never ran.
 * - Provisioning in flight gets what is left of the grace, then is let go of
 *   without a word written: the instances stay pending (not failed), and the
 *   next start provisions them again. Before: exit code 4 in the 'engine' step.
 * - A terminate in flight, likewise: the run stays Finalizing, and the next
 *   start, with the cloud answering again (moto), destroys the VM and ends it.
 * - An image build's question about its snapshot, likewise: nothing is written
 *   of it (the build is not failed), and the next start, the cloud answering
 *   again, asks once more, finds the image available and ends the build Done,
 *   its snapshot requested once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { instancesOf, TestRuns } from '../helpers/runs.js';
import { startMoto } from '../fakes/ec2/moto-server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { ImageState } from '../../proto/gen/slipstream/v1/images.js';

/** Accepts connections, counts what they send, answers nothing. */
async function silentEndpoint(): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => requests++);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    requests: () => requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The JSON log lines of a controller process. */
function logLines(proc: ControllerProcess): { msg?: string; step?: string; level?: number }[] {
  return proc
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; step?: string; level?: number });
}

describe('stopping a controller whose cloud never answers (sqlite)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A controller process with the cloud `silent` and credentials for it: EC2 at `cloudEndpoint`, by default an
   * endpoint that never answers.
   */
  async function setUp(cloudEndpoint?: string) {
    const endpoint = await silentEndpoint();
    cleanups.push(() => endpoint.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-hung-cloud-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const token = newTokenSecret();
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure', '--reconcile-seconds', '1', '--shutdown-grace-ms', '3000'];
    const start = async () => {
      const proc = spawnController(args, { SLIPSTREAM_BOOTSTRAP_TOKEN: token });
      cleanups.push(async () => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          proc.child.kill('SIGKILL');
          await proc.exited;
        }
      });
      await startedPort(proc);
      return proc;
    };
    const proc = await start();
    const client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });
    cleanups.push(() => client.close());
    // A cloud with credentials is listed by every pass, whether or not a run uses it.
    await client.clouds.create('silent', 'ec2', { region: 'eu-west-1', endpoint: cloudEndpoint ?? `http://127.0.0.1:${endpoint.port}`, instanceType: 't3.micro' });
    await client.clouds.setCredential('silent', { accessKeyId: 'testing', secretAccessKey: 'testing' });
    return { endpoint, proc, client, start };
  }

  /** SIGTERM, then the exit code, with the stop's steps checked. */
  async function stopsCleanly(proc: ControllerProcess): Promise<void> {
    proc.child.kill('SIGTERM');
    const code = await proc.exited;
    expect(proc.stderr()).not.toContain('overran');
    expect(code).toBe(0);
    const steps = logLines(proc).filter((entry) => entry.msg === 'shutdown step done').map((entry) => entry.step);
    expect(steps).toEqual(expect.arrayContaining(['reconciler', 'engine', 'replica', 'api server', 'clouds', 'database']));
  }

  it('lets go of a reconciliation pass waiting on it: SIGTERM ends the process with code 0, every step run', async () => {
    const { endpoint, proc } = await setUp();
    await waitFor('a pass to call the silent endpoint', async () => (endpoint.requests() > 0 ? true : undefined), 30_000);
    await stopsCleanly(proc);
  }, 90_000);

  it('lets go of provisioning in flight at the end of the grace, writing nothing: the next start provisions the instances again', async () => {
    const { endpoint, proc, client, start } = await setUp();
    await client.modules.save({ kind: 'component', path: 'hung/c', images: { silent: 'ami-12345678' }, resources: {}, recipes: {}, parameters: [] });
    await client.modules.save({
      kind: 'application',
      path: 'hung/app',
      nodes: [{ name: 'web', component: 'hung/c', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
    const runs = new TestRuns(client);
    const launchedAt = endpoint.requests();
    const run = await runs.launch('hung/app', { defaultCloud: 'silent' });
    await waitFor('provisioning to call the silent endpoint', async () => {
      const current = await runs.get(run.id);
      return current.state === RunState.RUN_STATE_PROVISIONING && endpoint.requests() > launchedAt ? true : undefined;
    }, 30_000);
    await stopsCleanly(proc);
    expect(logLines(proc).filter((entry) => entry.msg === 'provisioning let go of: the controller stops')).toHaveLength(2);
    // Nothing was written of the creates let go of: the run still provisions, its instances pending, with no error.
    const requestsBefore = endpoint.requests();
    const again = await start();
    const resumed = await runs.get(run.id);
    expect(resumed.state).toBe(RunState.RUN_STATE_PROVISIONING);
    expect(resumed.abortMessage ?? '').toBe('');
    expect(resumed.nodes.flatMap((n) => n.instances).map((i) => [i.vmState, i.instanceId])).toEqual([
      ['pending', ''],
      ['pending', ''],
    ]);
    await waitFor('the next start to provision them again', async () => (endpoint.requests() > requestsBefore ? true : undefined), 30_000);
    await stopsCleanly(again);
  }, 120_000);

  it('lets go of a terminate in flight, leaving the run Finalizing: the next start destroys the VM once the cloud answers', async () => {
    const moto = await startMoto();
    cleanups.push(() => moto.stop());
    // The cloud's endpoint is a proxy: to moto, then to the silent endpoint, then to moto again.
    const proxy = await TcpProxy.start(new URL(moto.endpoint).host);
    cleanups.push(() => proxy.close());
    const { endpoint, proc, client, start } = await setUp(`http://${proxy.address}`);
    const ec2 = new EC2Client({ region: 'eu-west-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 });
    cleanups.push(() => ec2.destroy());
    const images = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }));
    const ami = images.Images!.find((i) => i.ImageId)!.ImageId!;
    await client.modules.save({ kind: 'component', path: 'hung/vm', images: { silent: ami }, resources: {}, recipes: {}, parameters: [] });
    await client.modules.save({ kind: 'application', path: 'hung/one', nodes: [{ name: 'web', component: 'hung/vm', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} }] });
    const runs = new TestRuns(client);
    const run = await runs.launch('hung/one', { defaultCloud: 'silent' });
    const vmId = await waitFor('the VM made in moto', async () => instancesOf(await runs.get(run.id))[0]?.instanceId || undefined, 60_000);
    const vmState = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [vmId] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;

    proxy.target = `127.0.0.1:${endpoint.port}`;
    proxy.dropAll();
    const silentBefore = endpoint.requests();
    await runs.terminate(run.id);
    await waitFor('the terminate to call the silent endpoint', async () => (endpoint.requests() > silentBefore ? true : undefined), 30_000);
    await stopsCleanly(proc);
    expect(logLines(proc).filter((entry) => entry.msg === 'terminate let go of: the controller stops')).toHaveLength(1);
    expect(await vmState()).toBe('running');

    proxy.target = new URL(moto.endpoint).host;
    proxy.dropAll();
    const again = await start();
    const ended = await runs.waitForState(run.id, RunState.RUN_STATE_CANCELLED, 60_000);
    expect(instancesOf(ended)[0]?.vmState).toBe('terminated');
    expect(await vmState()).toBe('terminated');
    await stopsCleanly(again);
  }, 180_000);

  it('lets go of an image build asking about its snapshot, failing nothing: the next start ends the build Done with its one image', async () => {
    const { proc, client, start } = await setUp();
    // Local VMs (real agents) whose image status calls take an hour: a cloud that stopped answering about a snapshot.
    await client.clouds.create('slow-images', 'fake', { imageStatusDelayMs: '3600000' });
    await client.modules.save({ kind: 'component', path: 'hung/img', images: { 'slow-images': 'debian-12' }, resources: {}, recipes: { preinstall: 'echo prepared' }, parameters: [] });
    const build = (await client.images.build({ ref: 'hung/img', cloud: 'slow-images' })).image!;
    const snapshots = async () => (await client.runs.events(build.runId)).filter((e) => e.type === 'image' && e.message.startsWith('snapshot of machine.1'));
    // The status call follows the event without a pause: by the time the event can be read, it is held.
    await waitFor('the snapshot to be requested', async () => ((await snapshots()).length > 0 ? true : undefined), 90_000);
    // For the next start only: the call held now keeps its hour.
    await client.clouds.update('slow-images', { imageStatusDelayMs: '0' });
    await stopsCleanly(proc);

    const again = await start();
    const ended = await waitFor('the build to end', async () => {
      const run = await client.runs.get(build.runId);
      return run.state === 'Done' || run.state === 'Aborted' || run.state === 'Cancelled' ? run : undefined;
    }, 90_000);
    expect(ended.state).toBe('Done');
    expect(await snapshots()).toHaveLength(1);
    const [image] = (await client.images.list({ path: 'hung' })).images;
    expect(image).toMatchObject({ id: build.id, state: ImageState.IMAGE_STATE_AVAILABLE });
    await stopsCleanly(again);
  }, 240_000);
});
