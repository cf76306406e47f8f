/**
 * A compromised VM cannot lie to its peers: the built-in parameters other
 * nodes read through mappings (`ip`, `instanceid`, ...) are written only by
 * the controller, from what the cloud reported, and a recipe's `ss-set` of
 * one fails naming it. A value with a NUL is refused alone, naming its key,
 * while other agents' sets go on. Real controller, real local agents, both
 * databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmCredential } from '../helpers/local-vm-credential.js';
import { instancesOf, TestRuns } from '../helpers/runs.js';

/** Every built-in the controller alone writes, as a recipe names it, and qualified ways of naming them. */
const PROTECTED = ['ip', 'instanceid', 'cloud', 'vmstate', 'complete', 'abort', 'scale.state', 'url.ssh', 'db.1:ip', 'db:instanceid'];

const FORGER = `
result=""
for key in ${PROTECTED.join(' ')}; do
  if ss-set "$key" 6.6.6.6; then result="$result $key=accepted"; else result="$result $key=refused:$?"; fi
done
ss-set refusals "\${result# }"
ss-display "db deployed"
ss-set url.service "http://db.example/"
ss-set ss:url.service "http://app.example/"
`;

describe.each(TEST_DATABASES)('a hostile agent and the built-in parameters on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  let runId: string;

  const probe = async (instance: string) => harness.probe(await localVmCredential(controller, runId, instance));
  const value = async (key: string) => (await runs.parameter(runId, key)).value;

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ controller, runs } = harness);
    const { client } = harness;
    await client.modules.save({
      kind: 'component',
      path: 'hostile/db',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: FORGER },
      parameters: [{ name: 'refusals', category: 'output', type: 'text' }],
    });
    await client.modules.save({
      kind: 'component',
      path: 'hostile/web',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-set seen "$(ss-get db_host) $(ss-get db_vm)"' },
      parameters: [
        { name: 'db_host', category: 'input', type: 'string' },
        { name: 'db_vm', category: 'input', type: 'string' },
        { name: 'seen', category: 'output', type: 'string' },
      ],
    });
    await client.modules.save({
      kind: 'application',
      path: 'hostile/app',
      nodes: [
        { name: 'db', component: 'hostile/db', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
        { name: 'web', component: 'hostile/web', multiplicity: 3, maxProvisioningFailures: 0, mappings: { db_host: 'db:ip', db_vm: 'db:instanceid' } },
      ],
    });
    runId = (await runs.launch('hostile/app', { timeoutMinutes: 5 })).id;
    await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
  }, 120_000);

  afterAll(() => harness?.close());

  it("refuses a recipe's ss-set of every controller-written built-in, naming the key, and the peers read the cloud's values", async () => {
    expect(await value('db.1:refusals')).toBe(PROTECTED.map((k) => `${k}=refused:1`).join(' '));
    // ss-set printed why, naming the qualified key (its stderr is the recipe's output).
    const output = (await runs.logs(runId, 'db.1')).map((l) => l.text);
    for (const key of ['ip', 'instanceid', 'cloud', 'vmstate', 'complete', 'abort', 'scale.state', 'url.ssh']) {
      expect(output).toContain(`ss-set: db.1:${key} is written only by the controller`);
    }
    // The controller's values, written with the VM: the local driver reports 127.0.0.1 and its VM id.
    const vmId = `local-${runId}-db.1`;
    expect(await value('db.1:ip')).toBe('127.0.0.1');
    expect(await value('db.1:instanceid')).toBe(vmId);
    expect(await value('db.1:cloud')).toBe('local');
    expect(await value('db.1:vmstate')).toBe('running');
    expect(await value('db.1:abort')).toBe('');
    expect(await value('db.1:complete')).not.toBe('6.6.6.6');
    expect(await value('db.1:scale.state')).toBe('');
    expect((await runs.parameter(runId, 'db.1:url.ssh')).set).toBe(false);
    // Pushed along the mappings, as any output: every web instance read them.
    for (const web of ['web.1', 'web.2', 'web.3']) {
      expect(await value(`${web}:db_host`)).toBe('127.0.0.1');
      expect(await value(`${web}:seen`)).toBe(`127.0.0.1 ${vmId}`);
    }
    const db = instancesOf(await runs.get(runId)).find((i) => i.name === 'db.1')!;
    expect(db).toMatchObject({ ip: '127.0.0.1', instanceId: vmId, hostname: expect.any(String) as string });
    expect(db.hostname).not.toBe('');
  });

  it('keeps hostname, ss-display, url.service and ss:url.service the agent\'s to set', async () => {
    expect(await value('db.1:statecustom')).toBe('db deployed');
    expect(await value('db.1:url.service')).toBe('http://db.example/');
    expect(await value('ss:url.service')).toBe('http://app.example/');
    const db = await probe('db.1');
    expect(await db.set('hostname', 'db.internal')).toMatchObject({ error: '' });
    expect(await value('db.1:hostname')).toBe('db.internal');
  });

  it('answers a forged set on the wire permission-denied naming the key, and stores nothing', async () => {
    const db = await probe('db.1');
    for (const key of ['ip', 'db.1:instanceid', 'vmstate', 'complete', 'abort', 'scale.state', 'cloud', 'url.ssh']) {
      const ack = await db.set(key, '6.6.6.6');
      expect(ack.error, key).toBe('permission-denied');
      expect(ack.errorMessage, key).toBe(`db.1:${key.replace('db.1:', '')} is written only by the controller`);
    }
    expect(await value('db.1:ip')).toBe('127.0.0.1');
    expect(await value('web.1:db_host')).toBe('127.0.0.1');
  });

  it('refuses a value with a NUL alone, naming the key, while other agents set theirs at the same time', async () => {
    const [bad, ...others] = await Promise.all(['web.1', 'web.2', 'web.3', 'db.1'].map(probe));
    for (let round = 0; round < 10; round++) {
      const [refused, ...stored] = await Promise.all([
        bad!.set('statecustom', `bad\u0000${round}`),
        ...others.map((p, i) => p.set('statecustom', `ok-${i}-${round}`)),
      ]);
      expect(refused).toMatchObject({ error: 'invalid', errorMessage: 'the value of web.1:statecustom contains a NUL character, which parameters cannot hold' });
      for (const ack of stored) expect(ack).toMatchObject({ error: '', errorMessage: '' });
    }
    expect(await value('web.2:statecustom')).toBe('ok-0-9');
    expect(await value('web.3:statecustom')).toBe('ok-1-9');
    expect(await value('db.1:statecustom')).toBe('ok-2-9');
    expect(await value('web.1:statecustom')).not.toContain('bad');
    // The refusal cost the controller nothing: no failed batch was retried item by item.
    expect(controller.logs.filter((l) => l.msg === 'batch failed; applying its items one by one')).toEqual([]);
  });
});
