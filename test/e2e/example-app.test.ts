/**
 * The shop example (examples/shop) deployed for real on the `local` cloud:
 * every VM is an agent process and the database, app servers and load
 * balancer are Node servers the recipes start. Checks that mapped values
 * arrive, that the balancer answers through every app instance, that scaling
 * out and in re-wires it through the lb's scale hooks, and that terminating
 * leaves no process of the run behind.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipstreamClient } from '../../client/index.js';
import type { Run, RunState } from '../../client/services/run-types.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pushCatalog } from '../helpers/push-catalog.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { waitFor } from '../helpers/poll.js';
import { waitForNoProcessesOfRun } from '../helpers/runs.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
const READY_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 120_000;

/** GETs `url` `times` times; the answers' bodies, trimmed, in order. */
async function getMany(url: string, times: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < times; i++) {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.text()).trim();
    expect(response.status, body).toBe(200);
    bodies.push(body);
  }
  return bodies;
}

/**
 * Waits until the run is in `state` (or final, when it cannot get there any
 * more) and expects it there without an abort: an aborted run fails with its
 * abort message, as soon as it settles (a scalable one stays Ready aborted).
 */
async function settle(client: SlipstreamClient, runId: string, state: RunState, timeoutMs = READY_TIMEOUT_MS): Promise<Run> {
  const run = await waitFor(
    `run ${runId} to be ${state}`,
    async () => {
      const current = await client.runs.get(runId);
      return current.state === state || ['Done', 'Aborted', 'Cancelled'].includes(current.state ?? '') ? current : undefined;
    },
    timeoutMs,
  );
  expect({ state: run.state, abortMessage: run.abortMessage }).toEqual({ state, abortMessage: undefined });
  return run;
}

describe.each(TEST_DATABASES)('the shop example on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let client: SlipstreamClient;
  let runId = '';
  // Revealed: the passwords' values are compared (the admin may; each reveal is an event of the run).
  const value = async (key: string) => (await client.runs.getParameter(runId, key, { reveal: true })).value;

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ controller, client } = harness);
    await pushCatalog(client, SHOP, 'e2e');
  });

  // The controller's stop also kills the VMs of a run a failed step left up.
  afterAll(() => harness?.close(), TEST_TIMEOUT_MS);

  it('reaches Ready with every mapped value delivered', async () => {
    runId = (await client.runs.launch({ module: 'shop/shop', scalable: true, timeoutMinutes: 10 })).id;
    const ready = await settle(client, runId, 'Ready');
    expect(ready.nodes.map((n) => [n.name, n.instances.map((i) => i.name)])).toEqual([
      ['db', ['db.1']],
      ['app', ['app.1', 'app.2']],
      ['lb', ['lb.1']],
    ]);

    const port = await value('db.1:db_port');
    const password = await value('db:db_password');
    expect(port).toMatch(/^\d+$/);
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    for (const app of ['app.1', 'app.2']) {
      expect(await value(`${app}:db_host`)).toBe('127.0.0.1');
      expect(await value(`${app}:db_port`)).toBe(port);
      expect(await value(`${app}:db_password`)).toBe(password);
      expect(await value(`${app}:url.service`)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    }
    // A password stays masked in listings.
    const listed = await client.runs.listParameters(runId, 'db.1:');
    expect(listed.find((p) => p.key === 'db.1:db_password')).toMatchObject({ secret: true });
    expect(listed.find((p) => p.key === 'db.1:db_password')?.value).not.toBe(password);

    const reported = new Set((await client.runs.reports(runId)).map((r) => r.instance));
    expect([...reported].sort()).toEqual(['app.1', 'app.2', 'db.1', 'lb.1']);
  }, TEST_TIMEOUT_MS);

  it('answers on ss:url.service through both app instances', async () => {
    const url = await value('ss:url.service');
    expect(url).toBe(await value('lb.1:url.service'));
    const answers = await getMany(url, 6);
    expect(new Set(answers)).toEqual(new Set(['app.1 (db ok)', 'app.2 (db ok)']));
  }, TEST_TIMEOUT_MS);

  it('scales out: app.3 joins and the lb onVmAdd hook re-wires the balancer', async () => {
    const scaled = await client.runs.scaleAdd(runId, 'app', 1);
    expect(scaled.instances).toEqual(['app.3']);
    await settle(client, runId, 'Ready');

    expect(await value('app.3:db_password')).toBe(await value('db.1:db_password'));
    const app3 = await value('app.3:url.service');
    expect((await value('lb.1:backends')).split(' ')).toHaveLength(3);
    expect((await value('lb.1:backends')).split(' ')).toContain(app3);
    // The hook also logs what it saw in the lb's report dir (on the local VM's disk).
    const hookLog = await readFile(join(await localVmWorkDir(controller.dataDir, runId, 'lb.1'), 'reports', 'backends.log'), 'utf8');
    expect(hookLog).toMatch(/^onVmAdd: 3 backends: /m);

    const answers = await getMany(await value('ss:url.service'), 6);
    expect(new Set(answers)).toEqual(new Set(['app.1 (db ok)', 'app.2 (db ok)', 'app.3 (db ok)']));
  }, TEST_TIMEOUT_MS);

  it('scales in: app.3 leaves, its VM is destroyed and the lb onVmRemove hook drops it', async () => {
    const app3 = await value('app.3:url.service');
    const scaled = await client.runs.scaleRemove(runId, ['app.3']);
    expect(scaled.instances).toEqual(['app.3']);
    const ready = await settle(client, runId, 'Ready');
    expect(ready.nodes.find((n) => n.name === 'app')?.instances.find((i) => i.name === 'app.3')?.scaleState).toBe('removed');

    const backends = (await value('lb.1:backends')).split(' ');
    expect(backends).toHaveLength(2);
    expect(backends).not.toContain(app3);
    expect(await value('app:ids')).toBe('1,2');
    const hookLog = await readFile(join(await localVmWorkDir(controller.dataDir, runId, 'lb.1'), 'reports', 'backends.log'), 'utf8');
    expect(hookLog).toMatch(/^onVmRemove: 2 backends: /m);
    await waitFor('app.3 to be terminated', async () => ((await value('app.3:vmstate')) === 'terminated' ? true : undefined), 30_000);

    const answers = await getMany(await value('ss:url.service'), 6);
    expect(new Set(answers)).toEqual(new Set(['app.1 (db ok)', 'app.2 (db ok)']));
  }, TEST_TIMEOUT_MS);

  it('terminates to Done and leaves no process of the run', async () => {
    await client.runs.terminate(runId);
    await settle(client, runId, 'Done', 60_000);
    await waitForNoProcessesOfRun(runId);
  }, TEST_TIMEOUT_MS);
});
