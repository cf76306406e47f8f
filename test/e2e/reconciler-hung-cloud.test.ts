/**
 * A controller process whose reconciliation pass waits on a cloud API that
 * never answers (an EC2 endpoint on loopback that accepts connections and
 * stays silent) stops on SIGTERM without waiting for it: exit code 0, every
 * shutdown step run. Before, the stop waited for the SDK's request timeout
 * (60 s) in its 'reconciler' step, the shutdown deadline ended the process
 * (exit code 4) and the steps after it (the engine, handing the runs back,
 * draining the API) never ran.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';

/** Accepts connections, reads what they send, answers nothing. */
async function silentEndpoint(): Promise<{ server: Server; port: number; requests: () => number; close: () => Promise<void> }> {
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
    server,
    port: (server.address() as { port: number }).port,
    requests: () => requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a reconciliation pass waiting on a cloud that never answers (sqlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-hung-cloud-'));
  let endpoint: Awaited<ReturnType<typeof silentEndpoint>> | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;

  afterAll(async () => {
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await endpoint?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('does not hold the stop: SIGTERM ends the process with code 0, every step run', async () => {
    endpoint = await silentEndpoint();
    const token = newTokenSecret();
    const port = await freePort();
    proc = spawnController(
      ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure', '--reconcile-seconds', '1', '--shutdown-grace-ms', '5000'],
      { SLIPSTREAM_BOOTSTRAP_TOKEN: token },
    );
    await startedPort(proc);
    client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });
    // A cloud with credentials is listed by every pass, whether or not a run uses it.
    await client.clouds.create('silent', 'ec2', { region: 'eu-west-1', endpoint: `http://127.0.0.1:${endpoint.port}`, instanceType: 't3.micro' });
    await client.clouds.setCredential('silent', { accessKeyId: 'testing', secretAccessKey: 'testing' });
    await waitFor('a pass to call the silent endpoint', async () => (endpoint!.requests() > 0 ? true : undefined), 30_000);

    proc.child.kill('SIGTERM');
    const code = await proc.exited;
    expect(proc.stderr()).not.toContain('overran');
    expect(code).toBe(0);
    const steps = proc
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; step?: string })
      .filter((entry) => entry.msg === 'shutdown step done')
      .map((entry) => entry.step);
    expect(steps).toEqual(expect.arrayContaining(['reconciler', 'engine', 'api server', 'clouds', 'database']));
  }, 90_000);
});
