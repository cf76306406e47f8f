/**
 * Password values at rest, end to end with real agents on both databases: a
 * module's password default, a launch value, an agent's set, its push along
 * a mapping and an operator's set reach the recipes that read them (before
 * and after a controller restart, and in an instance a scale action added
 * after it), yet no row of run_parameters, runs, module_versions or
 * run_journal holds any of them in plaintext; nor does controller_secrets
 * hold the bootstrap-token key. A controller started on that database with
 * another credential key refuses to start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipstreamClient } from '../../client/index.js';
import { isSealed } from '../../controller/auth/credential-cipher.js';
import { startController } from '../../controller/controller.js';
import { compileControllerOptions } from '../../controller/options.js';
import { CredentialKeyMismatchError } from '../../controller/auth/bootstrap-tokens.js';
import type { ModuleDocument } from '../../common/modules/types.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';
import { selectRows } from '../helpers/sql.js';
import { TestRuns } from '../helpers/runs.js';

const MODULE_DEFAULT = 'module-default-Xq7Lp2';
const LAUNCH_VALUE = 'launch-value-Vb3Nm8';
// The recipe makes it from its upper-case form, so the plaintext is written nowhere but by the agent's set.
const AGENT_VALUE = 'agent-value-rt5kw9';
const OPERATOR_VALUES = ['operator-value-Hj2Ds4', 'operator-value-Pq9Wz1'];
const SECRETS = [MODULE_DEFAULT, LAUNCH_VALUE, AGENT_VALUE, ...OPERATOR_VALUES];
const TABLES = ['run_parameters', 'runs', 'module_versions', 'run_journal', 'controller_secrets'];

const SOURCE: ModuleDocument = {
  kind: 'component',
  path: 'sec/source',
  images: { local: 'local' },
  resources: {},
  recipes: { deployment: `ss-set gen "$(echo ${AGENT_VALUE.toUpperCase()} | tr A-Z a-z)"` },
  parameters: [{ name: 'gen', category: 'output', type: 'password' }],
};
// What the sink's recipe saw, as one hash: it reads every password and publishes only the hash (a plain string).
const SINK: ModuleDocument = {
  kind: 'component',
  path: 'sec/sink',
  images: { local: 'local' },
  resources: {},
  recipes: {
    deployment: [
      'pw=$(ss-get pw)',
      'dbpw=$(ss-get dbpw)',
      'lp=$(ss-get launchpw)',
      'op=$(ss-get --timeout 0 opw)',
      `ss-set check "$(printf '%s|%s|%s|%s' "$pw" "$dbpw" "$lp" "$op" | sha256sum | cut -c1-64)"`,
    ].join('\n'),
  },
  parameters: [
    { name: 'pw', category: 'input', type: 'password' },
    { name: 'dbpw', category: 'input', type: 'password', default: MODULE_DEFAULT },
    { name: 'launchpw', category: 'input', type: 'password' },
    { name: 'opw', category: 'input', type: 'password' },
    { name: 'check', category: 'output', type: 'string' },
  ],
};
const APP: ModuleDocument = {
  kind: 'application',
  path: 'sec/app',
  nodes: [
    { name: 'source', component: 'sec/source', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} },
    { name: 'sink', component: 'sec/sink', multiplicity: 1, maxProvisioningFailures: 0, mappings: { pw: 'source:gen' } },
  ],
};

function expectedCheck(operatorValue: string): string {
  return createHash('sha256').update([AGENT_VALUE, MODULE_DEFAULT, LAUNCH_VALUE, operatorValue].join('|')).digest('hex');
}

describe.each(TEST_DATABASES)('password values at rest on %s', (database) => {
  let harness: Harness;
  let first: TestController;
  let second: TestController | undefined;
  let client: SlipstreamClient;
  let runs: TestRuns;
  let runId: string;

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ controller: first, client, runs } = harness);
    // The second controller reuses the first one's data dir and database: it stops first, the first one's stop removes them.
    harness.onClose(() => second?.stop());
    for (const document of [SOURCE, SINK, APP]) await client.modules.save(document);
  });

  afterAll(() => harness?.close());

  /** The hash an instance's recipe published of the values it read. */
  const waitForCheck = (instance: string) =>
    waitFor(`${instance}:check`, async () => (await runs.parameter(runId, `${instance}:check`)).value || undefined, 90_000);

  it('gives the recipes every value: module default, launch value, agent set pushed along a mapping, operator set', async () => {
    const run = await runs.launch('sec/app', { parameters: { 'sink:launchpw': LAUNCH_VALUE }, scalable: true });
    runId = run.id;
    await runs.setParameter(runId, 'sink.1:opw', OPERATOR_VALUES[0]!);
    await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
    expect(await waitForCheck('sink.1')).toBe(expectedCheck(OPERATOR_VALUES[0]!));
    // The API answers as before: a revealed value in plaintext, the module's default as saved.
    expect((await client.runs.getParameter(runId, 'sink.1:pw', { reveal: true })).value).toBe(AGENT_VALUE);
    const module = await client.modules.get('sec/sink');
    expect(module.document).toEqual(expect.objectContaining({ parameters: expect.arrayContaining([expect.objectContaining({ name: 'dbpw', default: MODULE_DEFAULT })]) }));
    expect((await client.modules.save(module.document)).created).toBe(false);
  }, 150_000);

  it('keeps no password value and no bootstrap-token key in plaintext in the database', async () => {
    for (const table of TABLES) {
      const text = JSON.stringify(await selectRows(first.databaseUrl, `select * from ${table}`));
      for (const secret of SECRETS) expect([table, text.includes(secret)]).toEqual([table, false]);
    }
    const secretRows = await selectRows(first.databaseUrl, `select "key", "value" from run_parameters where run_id = ? and secret = ? and "value" is not null`, [
      runId,
      database === 'postgres' ? true : 1,
    ]);
    expect(secretRows.map((r) => r.key).sort()).toEqual(['sink.1:dbpw', 'sink.1:launchpw', 'sink.1:opw', 'sink.1:pw', 'source.1:gen']);
    for (const row of secretRows) expect([row.key, isSealed(row.value as string)]).toEqual([row.key, true]);
    const [key] = await selectRows(first.databaseUrl, `select "value" from controller_secrets where name = 'bootstrap-token-key'`);
    expect(isSealed(key!.value as string)).toBe(true);
    if (database === 'sqlite') {
      // The SQLite files as a local reader would see them, free pages and the write-ahead log included.
      const files = readdirSync(first.dataDir).filter((f) => f.startsWith('slipstream.db'));
      for (const file of files) {
        const bytes = readFileSync(join(first.dataDir, file));
        for (const secret of SECRETS) expect([file, bytes.includes(Buffer.from(secret))]).toEqual([file, false]);
      }
    }
  });

  it('refuses to start on that database with another credential key', async () => {
    await first.stopControllerOnly();
    const options = compileControllerOptions({
      listen: '127.0.0.1:0',
      httpListen: '127.0.0.1:0',
      databaseUrl: first.databaseUrl,
      dataDir: first.dataDir,
      insecure: true,
      bootstrapToken: first.adminToken,
      credentialKey: randomBytes(32).toString('base64'),
    });
    const failed = await startController(options, pino({ level: 'silent' })).then(
      async (started) => {
        await started.stop();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(CredentialKeyMismatchError);
    expect((failed as Error).message).toContain('SLIPSTREAM_CREDENTIAL_KEY');
  });

  it('after a restart with its own key, an instance added by a scale action gets every value too', async () => {
    const port = Number(first.address.split(':').at(-1));
    second = await startTestController({ database, port, reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl, adminToken: first.adminToken } });
    const added = await client.runs.scaleAdd(runId, 'sink', 1);
    expect(added.instances).toEqual(['sink.2']);
    await runs.setParameter(runId, 'sink.2:opw', OPERATOR_VALUES[1]!);
    await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
    expect(await waitForCheck('sink.2')).toBe(expectedCheck(OPERATOR_VALUES[1]!));
    for (const table of TABLES) {
      const text = JSON.stringify(await selectRows(first.databaseUrl, `select * from ${table}`));
      for (const secret of SECRETS) expect([table, text.includes(secret)]).toEqual([table, false]);
    }
  }, 150_000);
});
