/**
 * A stop does not wait for a reconciliation pass to run to its end, nor for
 * the cloud call in flight (a cloud API that does not answer would hold it
 * until the SDK's timeout), nor for the retry of a throttled terminate. What
 * it left undone the next pass (of the next start) does.
 * test/e2e/stop-hung-cloud.test.ts stops a controller process whose
 * pass waits on an EC2 endpoint that never answers.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/poll.js';
import { openTestStore } from '../../test/helpers/store.js';
import { directVmSpec } from '../../test/helpers/vm-spec.js';
import { ConnectorError, type CloudConnector, type ConnectorDriver } from '../connectors/connector.js';
import { createFakeDriver } from '../connectors/fake/fake-driver.js';
import { ConnectorRegistry } from '../connectors/registry.js';
import { CloudDirectory } from './cloud-directory.js';
import { Reconciler } from './reconciler.js';

const STRAYS = 3;
let worlds = 0;

/** The fake driver, its terminate calls held until the test lets them go (or failing, throttled, when told to). */
function gatedDriver() {
  const fake = createFakeDriver();
  const gate = { started: 0, release: () => {}, throttle: false };
  let released = new Promise<void>((resolve) => (gate.release = resolve));
  const driver: ConnectorDriver = {
    name: 'gated',
    validateSettings: (settings) => fake.validateSettings(settings),
    validateOptions: (options) => fake.validateOptions(options),
    create: (settings, context) => {
      const connector = fake.create(settings, context);
      return Object.assign(Object.create(connector) as CloudConnector, {
        terminate: async (vmId: string) => {
          gate.started++;
          await released;
          released = Promise.resolve();
          if (gate.throttle) throw new ConnectorError('transient', 'throttled', { retryAfterMs: 3_600_000 });
          return connector.terminate(vmId);
        },
      });
    },
  };
  return { driver, gate };
}

describe('stopping the reconciler', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A reconciler of controller `ctl` on a cloud holding STRAYS VMs tagged for runs that do not exist. */
  async function setUp() {
    const opened = await openTestStore('sqlite');
    cleanups.push(() => opened.dispose());
    const entries: { level: number; msg: string }[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void entries.push(JSON.parse(line) as { level: number; msg: string }) });
    const { driver, gate } = gatedDriver();
    const clouds = new CloudDirectory(new ConnectorRegistry().register(driver), [{ name: 'lab', driver: 'gated', settings: { world: `stop${++worlds}` } }], opened.store, opened.cipher, {
      dataDir: tmpdir(),
      log,
    });
    cleanups.push(() => clouds.close());
    const tenantId = await opened.store.write(async (repos) => {
      const tenant = await repos.tenants.create({ name: 'acme', displayName: 'acme', operator: false });
      await repos.flush();
      return tenant.id;
    });
    const connector = await clouds.connector('lab', tenantId);
    for (let i = 0; i < STRAYS; i++) {
      const runId = randomUUID();
      await connector.provision(directVmSpec({ controllerId: 'ctl', tenant: tenantId, runId, instance: 'web.1' }));
    }
    const reconciler = new Reconciler(opened.store, clouds, { dispatch: async () => undefined }, 'ctl', log);
    const live = async () => (await connector.listTagged({ controllerId: 'ctl' })).filter((vm) => vm.state !== 'terminated').length;
    return { reconciler, gate, entries, live };
  }

  it('ends a pass at once: the terminate in flight is let go of, not waited for, and nothing is logged as failed', async () => {
    const { reconciler, gate, entries, live } = await setUp();
    const pass = reconciler.reconcile();
    await waitFor('the first terminate to start', async () => (gate.started === 1 ? true : undefined));
    // The cloud has not answered (the gate is closed): the stop returns all the same.
    await reconciler.stop();
    // Whether the terminate let go of took effect is unknown to the pass: it does not count it.
    expect((await pass).terminated).toEqual([]);
    expect(gate.started).toBe(1);
    expect(entries.filter((e) => e.level >= 50)).toEqual([]);
    expect((await reconciler.reconcile()).terminated).toEqual([]);
    expect(gate.started).toBe(1);
    // The call let go of runs on in the cloud; the other strays wait for the next pass.
    gate.release();
    await waitFor('the terminate let go of to complete', async () => ((await live()) === STRAYS - 1 ? true : undefined));
  });

  it('does not wait out a throttled terminate’s Retry-After, and logs no failure', async () => {
    const { reconciler, gate, entries, live } = await setUp();
    gate.throttle = true;
    gate.release();
    const pass = reconciler.reconcile();
    await waitFor('the first terminate to be throttled', async () => (gate.started === 1 ? true : undefined));
    await reconciler.stop();
    expect((await pass).terminated).toEqual([]);
    expect(gate.started).toBe(1);
    expect(await live()).toBe(STRAYS);
    expect(entries.filter((e) => e.level >= 50)).toEqual([]);
  });
});
