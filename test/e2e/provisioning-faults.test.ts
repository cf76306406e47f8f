/**
 * Provisioning under cloud faults, end to end with real agents (the `fake`
 * driver in front of the `local` one): transient errors with a retry hint
 * are retried without making a second VM; permanent failures are tolerated
 * up to a node's maxProvisioningFailures and abort the run past it with the
 * cloud's message; bad credentials, missing images, unknown options and
 * exhausted quotas fail clearly, naming what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipstreamClient } from '../../client/index.js';
import { InvalidArgumentError, ResourceExhaustedError, type SlipstreamError } from '../../client/errors.js';
import { fakeWorld } from '../../controller/connectors/fake/fake-driver.js';
import { RunState, type Run } from '../../proto/gen/slipstream/v1/runs.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';

/** World names are per process; the pid keeps parallel test files apart. */
const world = (name: string) => `pf-${process.pid}-${name}`;
const CAPACITY_MESSAGE = 'fake-cloud: InsufficientInstanceCapacity: no t3.micro capacity in eu-west-1a (injected)';
const AUTH_MESSAGE = 'ec2: provision: AuthFailure: AWS was not able to validate the provided access credentials (injected)';
const ordinals = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i)).join(',');

const CLOUDS: { name: string; driver: string; settings: Record<string, string> }[] = [
  // (a) every third provision call: transient, with a retry hint.
  { name: 'flaky', driver: 'fake', settings: { world: world('flaky'), failEveryNth: '3', failKind: 'transient' } },
  // (b) provisions one at a time, so the first instance gets all five attempts (1-5) of its retries.
  { name: 'short-one', driver: 'fake', settings: { world: world('short-one'), failProvision: ordinals(1, 5), failKind: 'capacity', failMessage: CAPACITY_MESSAGE, maxParallel: '1' } },
  { name: 'short-two', driver: 'fake', settings: { world: world('short-two'), failProvision: ordinals(1, 10), failKind: 'capacity', failMessage: CAPACITY_MESSAGE, maxParallel: '1' } },
  // (c) credentials the cloud refuses.
  { name: 'bad-auth', driver: 'fake', settings: { world: world('bad-auth'), failProvision: '1', failKind: 'auth', failMessage: AUTH_MESSAGE } },
  { name: 'quota-cloud', driver: 'fake', settings: { world: world('quota') } },
  // Never called: only its option validation at launch is exercised.
  { name: 'aws-offline', driver: 'ec2', settings: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', instanceType: 't3.micro' } },
];

describe('provisioning faults (sqlite)', () => {
  let harness: Harness;
  let client: SlipstreamClient;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', clouds: CLOUDS });
    ({ client, runs } = harness);
    const images = Object.fromEntries(CLOUDS.filter((c) => c.driver === 'fake').map((c) => [c.name, 'local']));
    await client.modules.save({
      kind: 'component',
      path: 'faults/comp',
      images: { ...images, local: 'local', 'aws-offline': 'ami-12345678' },
      resources: {},
      recipes: { deployment: 'echo deployed' },
      parameters: [],
    });
    await client.modules.save({
      kind: 'component',
      path: 'faults/no-image',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'echo deployed' },
      parameters: [],
    });
    await client.modules.save({
      kind: 'component',
      path: 'faults/typo',
      images: { local: 'local', 'aws-offline': 'ami-12345678' },
      resources: { clouds: { 'aws-offline': { instanceTypo: 't3.micro' } } },
      recipes: { deployment: 'echo deployed' },
      parameters: [],
    });
    const app = (path: string, component: string, multiplicity: number, maxProvisioningFailures: number) =>
      client.modules.save({
        kind: 'application',
        path,
        nodes: [{ name: 'worker', component, multiplicity, maxProvisioningFailures, mappings: {} }],
      });
    await app('faults/ten', 'faults/comp', 10, 0);
    await app('faults/ten-tolerant', 'faults/comp', 10, 1);
    await app('faults/one', 'faults/comp', 1, 0);
    await app('faults/three', 'faults/comp', 3, 0);
    await app('faults/no-image-app', 'faults/no-image', 2, 0);
    await app('faults/typo-app', 'faults/typo', 1, 0);
    await client.modules.save({
      kind: 'component',
      path: 'faults/bad-ami',
      images: { local: 'local', 'aws-offline': 'ubuntu-latest' },
      resources: {},
      recipes: { deployment: 'echo deployed' },
      parameters: [],
    });
    await app('faults/bad-ami-app', 'faults/bad-ami', 1, 0);
  });

  afterAll(() => harness?.close(), 60_000);

  async function terminateToDone(run: Run): Promise<void> {
    await runs.terminate(run.id);
    await runs.waitForState(run.id, RunState.RUN_STATE_DONE, 60_000);
    await waitForNoProcessesOfRun(run.id);
  }

  async function launchError(module: string, request: Parameters<TestRuns['launch']>[1]): Promise<SlipstreamError> {
    const err = await runs.launch(module, request).then(
      () => undefined,
      (e: unknown) => e as SlipstreamError,
    );
    expect(err, 'launch should have been refused').toBeDefined();
    return err!;
  }

  it('(a) transient errors with a retry hint on every third call: 10 instances Ready, exactly 10 VMs', async () => {
    const started = Date.now();
    const flaky = fakeWorld(world('flaky'));
    const launched = await runs.launch('faults/ten', { defaultCloud: 'flaky', timeoutMinutes: 10 });
    const ready = await runs.waitForState(launched.id, RunState.RUN_STATE_READY, 120_000);
    console.log(`[faults] (a) Ready after ${Date.now() - started} ms, ${flaky.provisionCalls} provision calls`);
    expect(ready.abortMessage).toBe('');
    expect(ready.nodes.flatMap((n) => n.instances)).toHaveLength(10);
    expect(flaky.vms.size).toBe(10);
    // Every third call failed and was retried: 10 successes need 14 or 15 calls.
    expect(flaky.provisionCalls).toBeGreaterThanOrEqual(14);
    expect(new Set([...flaky.vms.values()].map((vm) => vm.spec.tags.instance)).size).toBe(10);
    await terminateToDone(ready);
  }, 180_000);

  it('(b) one permanent failure within maxProvisioningFailures 1: the run goes on to Ready with 9', async () => {
    const started = Date.now();
    const short = fakeWorld(world('short-one'));
    const launched = await runs.launch('faults/ten-tolerant', { defaultCloud: 'short-one', timeoutMinutes: 10 });
    const ready = await runs.waitForState(launched.id, RunState.RUN_STATE_READY, 150_000);
    console.log(`[faults] (b1) Ready after ${Date.now() - started} ms`);
    expect(ready.abortMessage).toBe('');
    expect(short.vms.size).toBe(9);
    expect(short.provisionCalls).toBe(14);
    const events = await runs.events(ready.id);
    expect(events.some((e) => e.message.includes(CAPACITY_MESSAGE)), JSON.stringify(events.map((e) => e.message))).toBe(true);
    // The run is Ready without an abort, and its warning says it has one VM fewer than asked.
    expect(ready.warnings).toEqual([expect.stringContaining(CAPACITY_MESSAGE)]);
    await terminateToDone(ready);
  }, 180_000);

  it('(b) two permanent failures past maxProvisioningFailures 1: the run aborts with the cloud message', async () => {
    const started = Date.now();
    const launched = await runs.launch('faults/ten-tolerant', { defaultCloud: 'short-two', timeoutMinutes: 10 });
    const aborted = await runs.waitForState(launched.id, RunState.RUN_STATE_ABORTED, 150_000);
    console.log(`[faults] (b2) Aborted after ${Date.now() - started} ms: ${aborted.abortMessage}`);
    expect(aborted.abortMessage).toContain('worker');
    expect(aborted.abortMessage).toContain('maxProvisioningFailures 1');
    expect(aborted.abortMessage).toContain(CAPACITY_MESSAGE);
    await waitForNoProcessesOfRun(aborted.id);
  }, 180_000);

  it('(c) credentials the cloud refuses: the run aborts and its events say why', async () => {
    const launched = await runs.launch('faults/one', { defaultCloud: 'bad-auth', timeoutMinutes: 10 });
    const aborted = await runs.waitForState(launched.id, RunState.RUN_STATE_ABORTED, 60_000);
    expect(aborted.abortMessage).toContain('worker.1');
    expect(aborted.abortMessage).toContain(`auth: ${AUTH_MESSAGE}`);
    const events = await runs.events(aborted.id);
    expect(events.some((e) => e.message.includes(AUTH_MESSAGE)), JSON.stringify(events.map((e) => e.message))).toBe(true);
    // auth is not retried: one call.
    expect(fakeWorld(world('bad-auth')).provisionCalls).toBe(1);
  }, 90_000);

  it('(c) no image for the chosen cloud: INVALID_ARGUMENT at launch naming the node', async () => {
    const err = await launchError('faults/no-image-app', { defaultCloud: 'flaky' });
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const violations = (err as InvalidArgumentError).violations;
    expect(violations).toEqual([
      expect.objectContaining({ field: 'default_cloud', description: expect.stringMatching(/node 'worker'.*no image for cloud 'flaky'/) }),
    ]);
    expect(err.message).toContain("node 'worker'");
  });

  it('(c) an unknown instance type option: INVALID_ARGUMENT naming nodes.worker.resources.clouds.aws-offline.instanceTypo', async () => {
    const err = await launchError('faults/typo-app', { defaultCloud: 'aws-offline' });
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['nodes.worker.resources.clouds.aws-offline.instanceTypo']);
    expect((err as InvalidArgumentError).violations[0]!.description).toContain('instanceType');
  });

  it('(c) an image id the cloud cannot have: INVALID_ARGUMENT at launch naming nodes.worker.images.aws-offline', async () => {
    const err = await launchError('faults/bad-ami-app', { defaultCloud: 'aws-offline' });
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const violations = (err as InvalidArgumentError).violations;
    expect(violations.map((v) => v.field)).toEqual(['nodes.worker.images.aws-offline']);
    expect(violations[0]!.description).toMatch(/'ubuntu-latest' must be an AMI id/);
  });

  it('(c) quota exceeded: RESOURCE_EXHAUSTED naming the cloud and the quota', async () => {
    await client.clouds.setQuota(undefined, 'quota-cloud', 2);
    const err = await launchError('faults/three', { defaultCloud: 'quota-cloud' });
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect(err.reason).toBe('RESOURCE_EXHAUSTED');
    expect(err.message).toContain("cloud 'quota-cloud'");
    expect(err.message).toContain('the quota is 2');
    expect(fakeWorld(world('quota')).provisionCalls).toBe(0);
  });
});
