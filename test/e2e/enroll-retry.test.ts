/**
 * A retried enrollment whose first answer was lost (a timed out Enroll under
 * load) gets the same credential again instead of stranding the VM, until
 * the agent's first session: from then on the bootstrap token is spent.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeWorld } from '../../controller/connectors/fake/fake-driver.js';
import type { AgentServiceClient } from '../../proto/gen/slipstream/v1/agent.js';
import { AgentProbe, enroll } from '../helpers/agent-probe.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';

describe.each(TEST_DATABASES)('enrollment retries (%s)', (database) => {
  const world = `enroll-retry-${process.pid}-${database}`;
  let harness: Harness;
  let runs: TestRuns;
  let agents: AgentServiceClient;

  beforeAll(async () => {
    // The fake cloud runs its VMs through the local driver, so each has a real agent: it dials a port where nothing
    // listens, and the test alone enrolls with the bootstrap token (an agent that enrolled and opened its session
    // first, as it did on a loaded machine, spent the token before the test could retry it).
    const nowhere = `127.0.0.1:${await freePort()}`;
    harness = await startHarness({ database, agentAddress: nowhere, clouds: [{ name: 'paper', driver: 'fake', settings: { world } }] });
    ({ runs, agents } = harness);
    await harness.client.modules.save({ kind: 'component', path: 'retry/web', images: { paper: 'img-1' }, resources: {}, recipes: {}, parameters: [] });
  });

  afterAll(() => harness?.close());

  it('returns the same credential to a retry, and refuses the token once the credential opened a session', async () => {
    const run = await runs.launch('retry/web', { defaultCloud: 'paper', timeoutMinutes: 5 });
    const vm = await waitFor('the VM', async () => fakeWorld(world).vmOf(run.id, 'machine.1'), 15_000);
    const token = vm.spec.agentConfig.bootstrapToken;
    const first = await enroll(agents, token);
    const retried = await enroll(agents, token);
    expect(retried).toEqual(first);
    expect(first.credential).toMatch(/^ssa_/);

    const session = new AgentProbe(agents, first.credential);
    try {
      expect((await session.get('ss:state')).value).toBe('Provisioning');
      await expect(enroll(agents, token)).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringMatching(/already used/) });
    } finally {
      session.close();
    }
  });

  it('answers a call and its retry that arrive together (one batch) with the same credential', async () => {
    const run = await runs.launch('retry/web', { defaultCloud: 'paper', timeoutMinutes: 5 });
    const vm = await waitFor('the VM', async () => fakeWorld(world).vmOf(run.id, 'machine.1'), 15_000);
    const token = vm.spec.agentConfig.bootstrapToken;
    // An unknown token first keeps the enrollment batcher busy, so that the call and its retry queue into the next batch together.
    const [unknown, ...answers] = await Promise.allSettled([enroll(agents, `ssb_${'x'.repeat(43)}`), enroll(agents, token), enroll(agents, token)]);
    expect(unknown).toMatchObject({ status: 'rejected', reason: { code: status.UNAUTHENTICATED } });
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled']);
    const [first, retried] = answers.map((a) => (a as PromiseFulfilledResult<Awaited<ReturnType<typeof enroll>>>).value);
    expect(retried).toEqual(first);
    expect(first!.credential).toMatch(/^ssa_/);
  });
});
