/**
 * Agent credentials (domain.md "Tenants: agent credentials"), with the real
 * credential a real agent got at enrollment: it reads only its own run's
 * parameters, writes only its own instance's, cannot call operator RPCs, the
 * bootstrap token it came from cannot be used again, and terminating the run
 * revokes it.
 */
import { status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, UnauthenticatedError } from '../../client/index.js';
import type { AgentServiceClient } from '../../proto/gen/slipstream/v1/agent.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { enroll } from '../helpers/agent-probe.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';

describe.each(TEST_DATABASES)('agent credential scope on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  let agents: AgentServiceClient;
  let runA: string;
  let runB: string;

  const vmDir = (runId: string, instance: string) => localVmWorkDir(controller.dataDir, runId, instance);
  const credentialOf = async (runId: string, instance: string) => {
    const state = JSON.parse(await readFile(join(await vmDir(runId, instance), 'state.json'), 'utf8')) as { credential?: string };
    expect(state.credential).toMatch(/^ssa_/);
    return state.credential!;
  };
  const probe = (credential: string) => harness.probe(credential);

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ controller, runs, agents } = harness);
    const { client } = harness;
    await client.modules.save({
      kind: 'component',
      path: 'scope/web',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-set x "own-$SLIPSTREAM_NODE_INSTANCE"' },
      parameters: [
        { name: 'x', category: 'output', type: 'string' },
        { name: 'secret', category: 'input', type: 'password', default: 'hunter2' },
      ],
    });
    await client.modules.save({
      kind: 'application',
      path: 'scope/app',
      nodes: [{ name: 'web', component: 'scope/web', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
    runA = (await runs.launch('scope/app', { timeoutMinutes: 5, tags: ['a'] })).id;
    runB = (await runs.launch('scope/app', { timeoutMinutes: 5, tags: ['b'] })).id;
    await runs.waitForState(runA, RunState.RUN_STATE_READY, 60_000);
    await runs.waitForState(runB, RunState.RUN_STATE_READY, 60_000);
    // Values that tell the two runs apart.
    await runs.setParameter(runA, 'ss:tags', 'run-a');
    await runs.setParameter(runB, 'ss:tags', 'run-b');
  });

  afterAll(() => harness?.close());

  it('reads only its own run: every key is qualified within it, another run cannot be named', async () => {
    const a1 = probe(await credentialOf(runA, 'web.1'));
    expect(await a1.get('ss:tags')).toMatchObject({ found: true, value: 'run-a', error: '' });
    expect(await a1.get('web.2:x')).toMatchObject({ found: true, value: 'own-web.2', error: '' });
    expect(await a1.get('x')).toMatchObject({ key: 'web.1:x', found: true, value: 'own-web.1' });
    // The same keys through run B's credential give run B's values.
    const b1 = probe(await credentialOf(runB, 'web.1'));
    expect(await b1.get('ss:tags')).toMatchObject({ found: true, value: 'run-b' });

    // A node that does not exist in the agent's run: not found (never another run's).
    expect(await a1.get('db:hostname')).toMatchObject({ found: false, error: 'not-found' });
    expect(await a1.get('web.3:x')).toMatchObject({ found: false, error: 'not-found' });
    // The other run's id is not a way in: as a key it is invalid or an unknown node of this run.
    for (const key of [`${runB}:x`, `${runB}/web.1:x`, `${runB}.web.1:x`, `run-${runB}:x`]) {
      const reply = await a1.get(key);
      expect(reply.found, key).toBe(false);
      expect(['not-found', 'invalid'], `${key}: ${reply.error}`).toContain(reply.error);
      expect(reply.value).toBe('');
    }
  });

  it("writes only its own instance's parameters: another instance's output is permission-denied", async () => {
    const a1 = probe(await credentialOf(runA, 'web.1'));
    const denied = await a1.set('web.2:x', 'forged');
    expect(denied.error).toBe('permission-denied');
    expect(denied.errorMessage).toMatch(/web\.1 may set only its own parameters/);
    expect((await runs.parameter(runA, 'web.2:x')).value).toBe('own-web.2');
    // Nor the run's state, nor a node-level key.
    expect((await a1.set('ss:state', 'Done')).error).toBe('permission-denied');
    expect((await a1.set('web:ids', '1')).error).toBe('permission-denied');
    // `web:x` means web.1: its own, allowed; run B's web.1 is untouched.
    expect((await a1.set('web:x', 'changed-by-a1')).error).toBe('');
    expect((await runs.parameter(runA, 'web.1:x')).value).toBe('changed-by-a1');
    expect((await runs.parameter(runB, 'web.1:x')).value).toBe('own-web.1');
  });

  it('cannot call operator RPCs', async () => {
    const credential = await credentialOf(runA, 'web.1');
    const asAgent = createSlipstreamClient({ address: controller.address, token: credential });
    try {
      const raw = new TestRuns(asAgent);
      await expect(raw.call(raw.raw.listRuns, { states: [], tag: '', module: '', pageSize: 10, pageToken: '' })).rejects.toBeInstanceOf(
        UnauthenticatedError,
      );
      await expect(raw.get(runA)).rejects.toBeInstanceOf(UnauthenticatedError);
      await expect(asAgent.modules.list()).rejects.toBeInstanceOf(UnauthenticatedError);
    } finally {
      asAgent.close();
    }
  });

  it('a used bootstrap token and a bogus one are refused by Enroll', async () => {
    const config = JSON.parse(await readFile(join(await vmDir(runA, 'web.2'), 'agent.json'), 'utf8')) as { bootstrapToken: string };
    expect(config.bootstrapToken).toMatch(/^ssb_/);
    await expect(enroll(agents, config.bootstrapToken)).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringMatching(/already used/) });
    await expect(enroll(agents, `ssb_${randomBytes(32).toString('base64url')}`)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(enroll(agents, 'not-a-token')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('is revoked when the run is terminated', async () => {
    const credential = await credentialOf(runA, 'web.1');
    const live = probe(credential);
    expect((await live.get('ss:tags')).value).toBe('run-a');
    const before = (await runs.parameter(runA, 'web.1:x')).value;
    await runs.terminate(runA);
    await runs.waitForState(runA, RunState.RUN_STATE_DONE, 30_000);
    // The stream opened before is ended by the controller (it never said hello, so
    // it is not the instance's registered session: ended all the same)...
    await live.whenEnded();
    await expect(live.get('ss:tags')).rejects.toBeDefined();
    await expect(live.set('x', 'written-after-revocation')).rejects.toBeDefined();
    expect((await runs.parameter(runA, 'web.1:x')).value).toBe(before);
    // ...and a new one is refused.
    const refused = await probe(credential).whenEnded();
    expect(refused.code).toBe(status.UNAUTHENTICATED);
    await waitForNoProcessesOfRun(runA);
    // Run B's agents are untouched.
    expect((await runs.get(runB)).state).toBe(RunState.RUN_STATE_READY);
    expect((await probe(await credentialOf(runB, 'web.2')).get('ss:tags')).value).toBe('run-b');
  });
});
