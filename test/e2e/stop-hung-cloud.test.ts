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
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';

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

  /** A controller process with the cloud `silent` (EC2 at an endpoint that never answers) and credentials for it. */
  async function setUp() {
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
    await client.clouds.create('silent', 'ec2', { region: 'eu-west-1', endpoint: `http://127.0.0.1:${endpoint.port}`, instanceType: 't3.micro' });
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
});
