/**
 * Issue 20: a controller SIGKILLed while four agents start their report
 * uploads, and started again only after each agent has been refused more
 * than the five attempts (about 1.3 s) it used to give up after: the run
 * reaches Ready with all four reports and no `report-missing` event.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { killLocalVms } from '../helpers/controller.js';
import { spawnController, startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { localVmRecordDir, localVmWorkDir } from '../helpers/local-vms.js';
import { waitFor } from '../helpers/poll.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';

const INSTANCES = ['web.1', 'web.2', 'web.3', 'web.4'];
/** Retries each agent must have logged before the controller comes back: more than the old five attempts. */
const RETRIES = 6;

describe.each(TEST_DATABASES)('report uploads across a controller SIGKILL on %s', (database) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-reports-restart-'));
  const token = newTokenSecret();
  let pg: TemporaryDatabase | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;
  let controllerId: string | undefined;

  afterAll(async () => {
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    if (controllerId) await killLocalVms(dataDir, controllerId);
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  }, 60_000);

  it('every report arrives once the controller is back', async () => {
    pg = database === 'postgres' ? await createTemporaryDatabase() : undefined;
    const address = `127.0.0.1:${await freePort()}`;
    const args = ['--listen', address, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', '--insecure'];
    if (pg) args.push('--database', pg.url);
    const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: token };
    proc = spawnController(args, env);
    await startedPort(proc, 90_000);
    client = createSlipstreamClient({ address, token });
    await client.modules.save({
      kind: 'component',
      path: 'reports/worker',
      images: { local: 'local' },
      resources: {},
      // The reporting recipe holds the upload back until the test has killed the controller.
      recipes: { reporting: 'echo "$SLIPSTREAM_NODE_INSTANCE" > "$SLIPSTREAM_REPORT_DIR/who.txt"\ntouch reporting\nwhile [ ! -e go ]; do sleep 0.05; done' },
      parameters: [],
    });
    await client.modules.save({
      kind: 'application',
      path: 'reports/app',
      nodes: [{ name: 'web', component: 'reports/worker', multiplicity: INSTANCES.length, maxProvisioningFailures: 0, mappings: {} }],
    });
    const runId = (await client.runs.launch({ module: 'reports/app', timeoutMinutes: 10 })).id;
    const homes = await waitFor('every instance in its reporting recipe', async () => {
      const dirs = await Promise.all(INSTANCES.map(async (i) => join(await localVmWorkDir(dataDir, runId, i), 'home')));
      const started = await Promise.all(dirs.map((d) => readFile(join(d, 'reporting')).then(() => true, () => false)));
      return started.every(Boolean) ? dirs : undefined;
    }, 120_000);
    controllerId = JSON.parse(await readFile(join(localVmRecordDir(dataDir, runId, 'web.1'), 'vm.json'), 'utf8')).tags.controllerId as string;

    proc.child.kill('SIGKILL');
    await proc.exited;
    await Promise.all(homes.map((home) => writeFile(join(home, 'go'), '')));
    const retries = async (instance: string) =>
      (await readFile(join(localVmRecordDir(dataDir, runId, instance), 'agent.out.log'), 'utf8')).split('\n').filter((l) => l.includes('"report upload failed; retrying"')).length;
    await waitFor(`${RETRIES} refused uploads of every agent`, async () => ((await Promise.all(INSTANCES.map(retries))).every((n) => n >= RETRIES) ? true : undefined), 120_000);

    proc = spawnController(args, env);
    await startedPort(proc, 90_000);
    await waitFor('the run to reach Ready', async () => ((await client!.runs.get(runId)).state === 'Ready' ? true : undefined), 120_000);
    expect((await client.runs.reports(runId)).map((r) => r.name).sort()).toEqual(INSTANCES.map((i) => `${i}.tar.gz`));
    expect((await client.runs.events(runId)).filter((e) => e.type === 'report-missing')).toEqual([]);
    console.log(`[reports ${database}] refused uploads per agent before the restart: ${(await Promise.all(INSTANCES.map(retries))).join(', ')}`);
    await client.runs.terminate(runId);
  }, 400_000);
});
