/**
 * Durability: SIGKILL the controller while a run is in Executing, start it
 * again on the same database and address: the run reaches Ready with every
 * parameter and event intact, and no phase ran twice on any instance.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { killLocalVms } from '../helpers/controller.js';
import { startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { waitFor } from '../helpers/poll.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';

const COUNT = (phase: string) => `echo ${phase} >> "$PWD/phases.log"`;

describe.each(TEST_DATABASES)('controller restart on %s', (database) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-restart-'));
  const token = newTokenSecret();
  let pg: TemporaryDatabase | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;

  afterAll(async () => {
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    const controllerId = await readControllerId(dataDir).catch(() => undefined);
    if (controllerId) await killLocalVms(dataDir, controllerId);
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    // Where a controller running as root puts its VMs' work dirs.
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  });

  it('resumes a run killed in Executing without losing or repeating anything', async () => {
    pg = database === 'postgres' ? await createTemporaryDatabase() : undefined;
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', '--insecure'];
    if (pg) args.push('--database', pg.url);
    const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: token };
    proc = spawnController(args, env);
    await startedPort(proc);
    client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });

    await client.modules.save({
      kind: 'component',
      path: 'durable/worker',
      images: { local: 'local' },
      resources: {},
      recipes: {
        preinstall: COUNT('preinstall'),
        postinstall: COUNT('postinstall'),
        deployment: `${COUNT('deployment')}\nss-display waiting\nss-get --timeout 0 release > released.txt\nss-set result "$(cat released.txt)-done"`,
        reporting: COUNT('reporting'),
      },
      parameters: [
        { name: 'release', category: 'input', type: 'string' },
        { name: 'result', category: 'output', type: 'string' },
      ],
    });
    await client.modules.save({
      kind: 'application',
      path: 'durable/app',
      nodes: [{ name: 'web', component: 'durable/worker', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
    const runs = client.runs as unknown as { raw?: typeof client.runs } & typeof client.runs;
    const raw = (runs.raw ?? runs) as unknown as import('../../proto/gen/slipstream/v1/runs.js').RunServiceClient;
    const call = <Req, Res>(method: (r: Req, m: import('@grpc/grpc-js').Metadata, o: object, cb: (e: import('@grpc/grpc-js').ServiceError | null, r: Res) => void) => unknown, req: Req) =>
      client!.rpc.unary(method.bind(raw) as never, req) as Promise<Res>;

    const launched = await call(raw.launchRun, {
      module: 'durable/app', defaultCloud: '', nodeClouds: {}, parameters: {}, multiplicities: {}, tags: ['durable'],
      keepRunning: 0, scalable: false, timeoutMinutes: 10, sshPublicKeys: [], requestId: '', template: '',
    });
    const runId = launched.run!.id;
    const getRun = () => call(raw.getRun, { id: runId }).then((r) => r.run!);
    await waitFor('both instances waiting in Executing', async () => {
      const run = await getRun();
      const instances = run.nodes.flatMap((n) => n.instances);
      return run.state === RunState.RUN_STATE_EXECUTING && instances.every((i) => i.stateCustom === 'waiting') ? true : undefined;
    }, 60_000);
    const eventsBefore = (await call(raw.listRunEvents, { id: runId, afterSequence: 0, pageSize: 1000 })).events;
    const paramsBefore = (await call(raw.listRunParameters, { id: runId, prefix: '' })).parameters;

    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = spawnController(args, env);
    await startedPort(proc);

    await waitFor('both agents reconnected', async () => {
      const run = await getRun();
      return run.nodes.flatMap((n) => n.instances).every((i) => i.agentConnected) ? true : undefined;
    }, 60_000);
    for (const instance of ['web.1', 'web.2']) await call(raw.setRunParameter, { id: runId, key: `${instance}:release`, value: 'go' });
    await waitFor('the run to reach Ready', async () => ((await getRun()).state === RunState.RUN_STATE_READY ? true : undefined), 60_000);

    const eventsAfter = (await call(raw.listRunEvents, { id: runId, afterSequence: 0, pageSize: 1000 })).events;
    expect(eventsAfter.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(eventsAfter.map((e) => e.message)).toContain('SendingReports -> Ready');
    const paramsAfter = new Map((await call(raw.listRunParameters, { id: runId, prefix: '' })).parameters.map((p) => [p.key, p]));
    for (const before of paramsBefore) {
      if (before.set && !before.key.endsWith(':complete') && before.key !== 'ss:state') {
        expect(paramsAfter.get(before.key)?.value, before.key).toBe(before.value);
      }
    }
    expect(paramsAfter.get('web.1:result')?.value).toBe('go-done');
    expect(paramsAfter.get('web.2:result')?.value).toBe('go-done');
    for (const instance of ['web.1', 'web.2']) {
      const log = readFileSync(join(await localVmWorkDir(dataDir, runId, instance), 'home', 'phases.log'), 'utf8').trim().split('\n');
      expect(log).toEqual(['preinstall', 'postinstall', 'deployment', 'reporting']);
    }
    await call(raw.terminateRun, { id: runId });
    await waitFor('the run to be Done', async () => ((await getRun()).state === RunState.RUN_STATE_DONE ? true : undefined), 60_000);
  }, 240_000);
});

async function readControllerId(dataDir: string): Promise<string> {
  const { readdirSync } = await import('node:fs');
  for (const run of readdirSync(join(dataDir, 'local-vms'))) {
    for (const instance of readdirSync(join(dataDir, 'local-vms', run))) {
      const vm = JSON.parse(readFileSync(join(dataDir, 'local-vms', run, instance, 'vm.json'), 'utf8')) as { tags: { controllerId: string } };
      return vm.tags.controllerId;
    }
  }
  throw new Error('no local VM');
}
