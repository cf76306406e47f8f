import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { buildsImages, ConnectorError, type CloudConnector, type ImageBuilder, type VmSpec } from '../connector.js';
import { createLocalDriver } from '../local/local-driver.js';
import { isProcessAlive } from '../local/processes.js';
import { standInAgentCommand } from '../local/stand-in-agent.js';
import { createFakeDriver, fakeWorld, FAKE_RETRY_AFTER_MS } from './fake-driver.js';

const log = pino({ level: 'silent' });
const context = { dataDir: tmpdir(), log, credentials: {} };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let worlds = 0;
/** A connector on a world of its own (tests in one file share the module-level store). */
function fake(settings: Record<string, string> = {}): { connector: CloudConnector; world: ReturnType<typeof fakeWorld> } {
  const world = `w${++worlds}`;
  const connector = createFakeDriver().create({ world, ...settings }, context);
  return { connector, world: fakeWorld(world) };
}

function spec(instance = 'web.1', runId = 'run-1'): VmSpec {
  return {
    tags: { controllerId: 'ctl-1', tenant: 'acme', runId, instance },
    image: 'fake',
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance, bootstrapToken: 'sbt_secret' },
    idempotencyKey: `key-${runId}-${instance}`,
    userData: "#cloud-config\n",
  };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);

describe('fake driver: failure injection', () => {
  it('fails the given provision calls (1-based, per world) with the given kind and message', async () => {
    const { connector, world } = fake({ failProvision: '2, 4', failKind: 'quota', failMessage: 'quota exceeded' });
    const first = await connector.provision(spec('web.1'));
    const second = await failure(connector.provision(spec('web.2')));
    expect(second).toBeInstanceOf(ConnectorError);
    expect(second).toMatchObject({ kind: 'quota', retryable: false, message: 'quota exceeded' });
    const retried = await connector.provision(spec('web.2'));
    expect(await failure(connector.provision(spec('web.3')))).toMatchObject({ kind: 'quota' });
    await connector.provision(spec('web.3'));
    expect(world.provisionCalls).toBe(5);
    expect([...world.vms.keys()]).toEqual([first.vmId, retried.vmId, `fake-${world.name}-3`]);
  });

  it('fails with a retryable capacity error by default', async () => {
    const { connector } = fake({ failProvision: '1' });
    expect(await failure(connector.provision(spec()))).toMatchObject({ name: 'ConnectorError', kind: 'capacity', retryable: true });
  });

  it('provisions slowly and honours abort at once', async () => {
    const { connector, world } = fake({ provisionDelayMs: '600000' });
    const controller = new AbortController();
    const pending = failure(connector.provision(spec(), controller.signal));
    await waitFor('the call to start', async () => (world.provisionCalls === 1 ? true : undefined));
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    expect(world.vms.size).toBe(0);
    expect(await failure(connector.provision(spec(), AbortSignal.abort()))).toMatchObject({ name: 'AbortError' });
  });

  it('completes slow provisioning when not aborted', async () => {
    const { connector } = fake({ provisionDelayMs: '30' });
    const started = Date.now();
    await connector.provision(spec());
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('loses the given instance right after provisioning it', async () => {
    const { connector, world } = fake({ loseInstance: 'web.2' });
    const kept = await connector.provision(spec('web.1'));
    const lost = await connector.provision(spec('web.2'));
    expect(lost).toMatchObject({ state: 'running', tags: { instance: 'web.2' } });
    expect(await connector.describe(lost.vmId)).toBeUndefined();
    expect(await connector.describe(kept.vmId)).toEqual(kept);
    expect(await connector.listTagged({ controllerId: 'ctl-1' })).toEqual([kept]);
    await connector.terminate(lost.vmId);
    expect(world.vms.get(lost.vmId)?.lost).toBe(true);
    expect(world.vmOf('run-1', 'web.2')?.vmId).toBe(lost.vmId);
    await world.lose(kept.vmId); // tests may lose any VM later
    expect(await connector.listTagged({ controllerId: 'ctl-1' })).toEqual([]);
  });

  it('throttles the first N calls of any kind with a transient error and a retry hint', async () => {
    const { connector, world } = fake({ throttleFirst: '2' });
    expect(await failure(connector.listTagged({ controllerId: 'ctl-1' }))).toMatchObject({
      kind: 'transient',
      retryable: true,
      retryAfterMs: FAKE_RETRY_AFTER_MS,
    });
    expect(await failure(connector.provision(spec()))).toMatchObject({ kind: 'transient', retryAfterMs: 50 });
    expect(world.vms.size).toBe(0);
    expect(await connector.provision(spec())).toMatchObject({ state: 'running' });
    expect(world.calls).toBe(3);
  });
});

describe('fake driver: VMs', () => {
  it('is idempotent per key, also for concurrent slow calls, and terminates idempotently', async () => {
    const { connector, world } = fake({ provisionDelayMs: '20' });
    const [a, b] = await Promise.all([connector.provision(spec()), connector.provision(spec())]);
    const c = await connector.provision(spec());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(world.vms.size).toBe(1);
    expect(world.provisionCalls).toBe(3);
    await connector.terminate(a.vmId);
    await connector.terminate(a.vmId);
    await connector.terminate('fake-nowhere-1');
    expect(world.terminateCalls).toBe(3);
    expect(await connector.describe(a.vmId)).toMatchObject({ state: 'terminated' });
    expect(await connector.describe('fake-nowhere-1')).toBeUndefined();
  });

  it('shares a world between connectors and the test, and lists by controller and run', async () => {
    const world = fakeWorld('shared-list');
    world.reset();
    const driver = createFakeDriver();
    const one = driver.create({ world: 'shared-list', failProvision: '2' }, context);
    const two = driver.create({ world: 'shared-list' }, context);
    const web = await one.provision(spec('web.1'));
    expect(await failure(one.provision(spec('db.1')))).toMatchObject({ kind: 'capacity' });
    const db = await two.provision(spec('db.1', 'run-2'));
    expect(world.provisionCalls).toBe(3);
    expect(await two.describe(web.vmId)).toEqual(web);
    expect(await one.listTagged({ controllerId: 'ctl-1', runId: 'run-2' })).toEqual([db]);
    expect(await one.listTagged({ controllerId: 'ctl-9' })).toEqual([]);
    expect(world.vms.get(web.vmId)?.spec.agentConfig.bootstrapToken).toBe('sbt_secret');
  });
});

describe('fake driver: settings', () => {
  it('names every bad or unknown setting and option', () => {
    const driver = createFakeDriver();
    expect(driver.name).toBe('fake');
    expect(driver.validateSettings({})).toEqual([]);
    expect(
      driver.validateSettings({ world: 'a', failProvision: '2,5', failKind: 'auth', failMessage: 'm', provisionDelayMs: '0', loseInstance: 'db.3', throttleFirst: '1' }),
    ).toEqual([]);
    const fields = (v: Array<{ field: string }>) => v.map((x) => x.field);
    expect(
      fields(
        driver.validateSettings({
          world: 'Bad World',
          failProvision: '0,x',
          failKind: 'oops',
          failMessage: '',
          provisionDelayMs: '-1',
          loseInstance: 'db',
          throttleFirst: '1.5',
          region: 'eu',
        }),
      ),
    ).toEqual([
      'settings.world',
      'settings.failProvision',
      'settings.failKind',
      'settings.failMessage',
      'settings.provisionDelayMs',
      'settings.loseInstance',
      'settings.throttleFirst',
      'settings.region',
    ]);
    expect(fields(driver.validateOptions({ instanceType: 'x' }))).toEqual(['options.instanceType']);
    expect(() => driver.create({ failKind: 'oops' }, context)).toThrow(ConnectorError);
  });

  it('hands the settings and options it does not know to its delegate', () => {
    const driver = createFakeDriver({ delegate: createLocalDriver({ agentCommand: standInAgentCommand }) });
    expect(driver.validateSettings({ failProvision: '1', maxParallel: '2' })).toEqual([]);
    expect(driver.validateSettings({ maxParallel: 'x', region: 'eu' }).map((v) => v.field)).toEqual(['settings.maxParallel', 'settings.region']);
    expect(driver.validateOptions({ instanceType: 'x' }).map((v) => v.field)).toEqual(['options.instanceType']);
    expect(driver.create({ maxParallel: '2' }, context).capabilities().maxParallelProvisioning).toBe(2);
  });
});

describe('fake driver in front of the local driver', () => {
  it('runs real agents, injects failures without starting any, and makes a lost VM really vanish', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipstream-fake-'));
    const driver = createFakeDriver({ delegate: createLocalDriver({ agentCommand: standInAgentCommand }) });
    const connector = driver.create({ world: 'delegated', failProvision: '1', loseInstance: 'web.2' }, { dataDir, log, credentials: {} });
    cleanups.push(async () => {
      const local = createLocalDriver({ agentCommand: standInAgentCommand }).create({}, { dataDir, log, credentials: {} });
      for (const vm of await local.listTagged({ controllerId: 'ctl-1' })) await local.terminate(vm.vmId);
      await rm(dataDir, { recursive: true, force: true });
    });
    const vmDir = (instance: string) => join(dataDir, 'local-vms', 'run-1', instance);
    const agentOf = (instance: string) =>
      waitFor(`the agent of ${instance}`, async () => {
        const text = await readFile(join(vmDir(instance), 'starts.log'), 'utf8').catch(() => '');
        return text ? (JSON.parse(text.split('\n')[0]!) as { pid: number }).pid : undefined;
      });

    expect(await failure(connector.provision(spec('web.1')))).toMatchObject({ kind: 'capacity' });
    expect(await readFile(join(vmDir('web.1'), 'vm.json'), 'utf8').catch(() => undefined)).toBeUndefined();

    const web1 = await connector.provision(spec('web.1'));
    expect(web1).toMatchObject({ vmId: 'local-run-1-web.1', state: 'running' });
    const agent1 = await agentOf('web.1');
    expect(await isProcessAlive(agent1)).toBe(true);

    const web2 = await connector.provision(spec('web.2'));
    // Lost at once (maybe before it even wrote its start): its recorded process is gone, not leaked.
    const record2 = JSON.parse(await readFile(join(vmDir('web.2'), 'vm.json'), 'utf8')) as { pid: number; state: string };
    expect(record2.state).toBe('terminated');
    expect(await isProcessAlive(record2.pid)).toBe(false);
    expect(await connector.describe(web2.vmId)).toBeUndefined();
    expect((await connector.listTagged({ controllerId: 'ctl-1' })).map((vm) => vm.vmId)).toEqual([web1.vmId]);

    await connector.terminate(web1.vmId);
    expect(await isProcessAlive(agent1)).toBe(false);
    expect(await connector.describe(web1.vmId)).toMatchObject({ state: 'terminated' });
    expect(fakeWorld('delegated').terminateCalls).toBe(1);
    await connector.close();
  });
});

describe('fake driver: images', () => {
  it('builds images in its world, pending for a few status calls, then available', async () => {
    const { connector, world } = fake({ imagePendingPolls: '2' });
    if (!buildsImages(connector)) throw new Error('the fake should build images');
    const vm = await connector.provision(spec());
    const imageId = await connector.buildImage(vm.vmId, 'web');
    expect(imageId).toBe(`fake-image-${world.name}-2`);
    expect(world.images.get(imageId)).toMatchObject({ name: 'web', sourceVm: vm.vmId });
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'pending' });
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'pending' });
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'available' });
    await connector.deleteImage(imageId);
    await connector.deleteImage(imageId);
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'failed', message: `fake: image ${imageId} does not exist` });
    expect(await failure(connector.buildImage('fake-nowhere-1', 'web'))).toMatchObject({ kind: 'not_found' });
    await connector.terminate(vm.vmId);
    expect(await failure(connector.buildImage(vm.vmId, 'web'))).toMatchObject({ kind: 'not_found' });
    expect(world.imageCalls).toBe(9);
  });

  it('injects a failed image (with failMessage) and a cloud that cannot build images', async () => {
    const failing = fake({ imageOutcome: 'failed', imagePendingPolls: '0', failMessage: 'snapshot quota exceeded' }).connector as CloudConnector & ImageBuilder;
    const vm = await failing.provision(spec());
    const imageId = await failing.buildImage(vm.vmId, 'web');
    expect(await failing.imageStatus(imageId)).toEqual({ state: 'failed', message: 'snapshot quota exceeded' });

    const { connector } = fake({ imageOutcome: 'unsupported' });
    expect(connector.capabilities().buildImage).toBe(false);
    expect(buildsImages(connector)).toBe(false);
    const other = await connector.provision(spec());
    expect(await failure((connector as CloudConnector & ImageBuilder).buildImage(other.vmId, 'web'))).toMatchObject({ kind: 'invalid', message: 'fake: this cloud cannot build images' });
    expect(createFakeDriver().validateSettings({ imageOutcome: 'maybe', imagePendingPolls: '-1', imageStatusDelayMs: '3600001' })).toEqual([
      { field: 'settings.imageOutcome', description: 'must be one of available, failed, unsupported' },
      { field: 'settings.imagePendingPolls', description: 'must be a non-negative integer' },
      { field: 'settings.imageStatusDelayMs', description: 'must be an integer of milliseconds from 0 to 3600000' },
    ]);
  });

  it('answers imageStatus only after imageStatusDelayMs, as a cloud slow to answer', async () => {
    const { connector } = fake({ imageStatusDelayMs: '200', imagePendingPolls: '0' });
    if (!buildsImages(connector)) throw new Error('the fake should build images');
    const vm = await connector.provision(spec());
    const imageId = await connector.buildImage(vm.vmId, 'web');
    const asked = performance.now();
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'available' });
    expect(performance.now() - asked).toBeGreaterThanOrEqual(190);
  });

  it('hands image calls to a delegate that builds images (local snapshots)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipstream-fake-image-'));
    const connector = createFakeDriver({ delegate: createLocalDriver({ agentCommand: standInAgentCommand }) }).create({ world: 'delegated-images' }, { dataDir, log, credentials: {} });
    cleanups.push(async () => {
      for (const vm of await connector.listTagged({ controllerId: 'ctl-1' })) await connector.terminate(vm.vmId);
      await connector.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    if (!buildsImages(connector)) throw new Error('the fake in front of local should build images');
    const vm = await connector.provision(spec());
    await waitFor('the agent to start', async () => ((await readFile(join(dataDir, 'local-vms', 'run-1', 'web.1', 'starts.log'), 'utf8').catch(() => '')) ? true : undefined));
    const imageId = await connector.buildImage(vm.vmId, 'web');
    expect(imageId).toMatch(/^local-image-[0-9a-f]{16}$/);
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'available' });
    expect(fakeWorld('delegated-images').images.size).toBe(0);
  });
});
