/**
 * `slipstream cloud | credential | quota ...` against a real controller
 * (SQLite and PostgreSQL): operator admins manage clouds and quotas, a
 * tenant's admin stores its write-only credentials; no secret is ever printed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../test/helpers/controller.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import type { CliDeps } from './deps.js';
import { runCli } from './program.js';
import { createTestDeps } from './test-io.js';

const SECRET = 'AKIA-cli-very-secret-0123456789';
const OTHER_SECRET = 'tok-cli-other-secret-9876543210';
const KEY_SECRET = 'pk-cli-service-account-secret-555';

describe.each(TEST_DATABASES)('slipstream cloud, credential and quota on %s', (database) => {
  let controller: TestController;
  let dir: string;
  /** The admin token of tenant `acme` (not the operator tenant). */
  let acme: string;
  /** Every stdout and stderr the CLI wrote in this suite: none may hold a secret. */
  const printed: string[] = [];
  // Fake clouds keep their VMs in a process-wide world: one per suite.
  const world = `cli-${database}`;

  /** Runs the CLI with the given token (default: the operator admin's). */
  const cli = async (argv: string[], token = controller.adminToken, extra: Partial<CliDeps> = {}) => {
    const env = { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: token };
    const deps = createTestDeps({ env, configPath: join(dir, 'config.yaml'), ...extra });
    const code = await runCli(argv, deps);
    printed.push(deps.out(), deps.err());
    return { code, out: deps.out(), err: deps.err() };
  };

  beforeAll(async () => {
    controller = await startTestController({ database });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-cloud-cli-'));
    const tenant = await cli(['tenant', 'create', 'acme']);
    expect(tenant.code).toBe(0);
    acme = tenant.out.trim();
  });

  afterAll(async () => {
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds a fake cloud and shows it in list and get, as table and as JSON', async () => {
    const add = await cli(['cloud', 'add', 'lab', '--driver', 'fake', '--set', 'provisionDelayMs=10', '--set', `world=${world}`]);
    expect(add.code).toBe(0);
    expect(add.out).toContain('name\tlab\ndriver\tfake\ncredential\t\n');
    expect(add.out).toContain(`settings\tprovisionDelayMs=10, world=${world}\n`);

    const list = await cli(['cloud', 'list']);
    expect(list.out).toMatch(new RegExp(`^NAME\tDRIVER\tCREDENTIAL\tSETTINGS\tCREATED\nlocal\tlocal\t\t.*\nlab\tfake\t\tprovisionDelayMs=10, world=${world}\t\\d{4}-.+Z\n$`));
    const tty = await cli(['cloud', 'list'], controller.adminToken, { isTTY: true });
    expect(tty.out).toMatch(/^NAME {2,}DRIVER {2,}CREDENTIAL {2,}SETTINGS {2,}CREATED\nlocal {2,}local/);

    const json = JSON.parse((await cli(['cloud', 'list', '--output', 'json'])).out);
    expect(json.map((c: { name: string }) => c.name)).toEqual(['local', 'lab']);
    expect(json[1]).toMatchObject({ name: 'lab', driver: 'fake', settings: { provisionDelayMs: '10', world }, hasCredential: false });
    expect(json[1]).not.toHaveProperty('raw');

    const get = await cli(['cloud', 'get', 'lab', '--output', 'json']);
    expect(JSON.parse(get.out)).toEqual({ ...json[1], capabilities: expect.any(Object) });
    expect((await cli(['cloud', 'get', 'lab'])).out).toMatch(/^name\tlab\ndriver\tfake\ncredential\t\nsettings\t.+\ncreated\t\d{4}-.+Z\n$/);
    const missing = await cli(['cloud', 'get', 'nowhere']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: .*nowhere/);
  });

  it('update replaces the settings; an unknown setting exits 1 naming settings.<key>', async () => {
    const update = await cli(['cloud', 'update', 'lab', '--set', `world=${world}`, '--output', 'json']);
    expect(update.code).toBe(0);
    expect(JSON.parse(update.out).settings).toEqual({ world });

    for (const argv of [
      ['cloud', 'update', 'lab', '--set', 'colour=red'],
      ['cloud', 'add', 'painted', '--driver', 'fake', '--set', 'colour=red'],
    ]) {
      const bad = await cli(argv);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('error: invalid argument (1 violation):\n');
      expect(bad.err).toMatch(/^ {2}settings\.colour: is not a setting of the \w+ driver/m);
      expect(bad.out).toBe('');
    }
    const badDriver = await cli(['cloud', 'add', 'x1', '--driver', 'nope']);
    expect(badDriver.code).toBe(1);
    expect(badDriver.err).toMatch(/^ {2}driver: unknown driver 'nope'/m);
    expect((await cli(['cloud', 'get', 'lab', '--output', 'json'])).out).toContain(`"world": "${world}"`);
  });

  it('a tenant admin outside the operator tenant gets exit 4 for cloud and quota changes', async () => {
    const add = await cli(['cloud', 'add', 'mine', '--driver', 'fake'], acme);
    expect(add.code).toBe(4);
    expect(add.err).toContain('error: permission denied: CreateCloud is reserved to admins of the operator tenant');
    expect((await cli(['cloud', 'update', 'lab'], acme)).code).toBe(4);
    expect((await cli(['cloud', 'remove', 'lab'], acme)).code).toBe(4);
    expect((await cli(['quota', 'set', 'lab', '5'], acme)).code).toBe(4);
    expect((await cli(['cloud', 'list'], acme)).code).toBe(0);
  });

  it('stores credentials from a JSON file, a KEY=VALUE file, a service account key and --set, printing field names only', async () => {
    const json = join(dir, 'aws.json');
    await writeFile(json, JSON.stringify({ accessKeyId: 'AKIA1', secretAccessKey: SECRET }));
    const fromJson = await cli(['credential', 'set', 'lab', '--from-file', json], acme);
    expect(fromJson).toEqual({ code: 0, out: '', err: "stored your tenant's credential for cloud 'lab' (fields: accessKeyId, secretAccessKey)\n" });
    expect((await cli(['cloud', 'get', 'lab'], acme)).out).toContain('credential\tyes\n');
    expect(JSON.parse((await cli(['cloud', 'get', 'lab', '--output', 'json'], acme)).out).hasCredential).toBe(true);
    // Credentials are the tenant's own: the operator tenant has none for lab.
    expect((await cli(['cloud', 'get', 'lab'])).out).toContain('credential\t\n');

    const lines = join(dir, 'aws.env');
    await writeFile(lines, `# lab\naccessKeyId=AKIA2\nsecretAccessKey = ${SECRET}\n`);
    expect((await cli(['credential', 'set', 'lab', '--from-file', lines], acme)).err).toContain('(fields: accessKeyId, secretAccessKey)');

    const key = join(dir, 'sa.json');
    await writeFile(key, JSON.stringify({ type: 'service_account', client_email: 'ci@p.iam.gserviceaccount.com', private_key: KEY_SECRET }));
    expect((await cli(['credential', 'set', 'local', '--from-file', key], acme)).err).toContain('(fields: serviceAccountJson)');

    const viaSet = await cli(['credential', 'set', 'lab', '--set', `token=${OTHER_SECRET}`, '--set', 'user=ci', '--output', 'json'], acme);
    expect(viaSet.code).toBe(0);
    expect(JSON.parse(viaSet.out)).toEqual({ cloud: 'lab', fields: ['token', 'user'], updatedAt: expect.stringMatching(/^\d{4}-.+Z$/) });

    const badName = await cli(['credential', 'set', 'lab', '--set', `bad name=${OTHER_SECRET}`], acme);
    expect(badName.code).toBe(1);
    expect(badName.err).toMatch(/^ {2}fields\.bad name: is not a valid field name$/m);
    expect((await cli(['credential', 'set', 'nowhere', '--set', `token=${OTHER_SECRET}`], acme)).code).toBe(1);
    expect((await cli(['cloud', 'list', '--output', 'json'], acme)).out).not.toContain(OTHER_SECRET);
  });

  it('cloud test exits 0 when the credentials work, 1 with the message when they fail', async () => {
    const ok = await cli(['cloud', 'test', 'lab'], acme);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^credentials work: \d+ VM\(s\) of this controller listed\n$/);
    expect(JSON.parse((await cli(['cloud', 'test', 'lab', '--output', 'json'], acme)).out)).toMatchObject({ cloud: 'lab', ok: true });

    expect((await cli(['cloud', 'add', 'flaky', '--driver', 'fake', '--set', `world=${world}-flaky`, '--set', 'throttleFirst=1000'])).code).toBe(0);
    const failed = await cli(['cloud', 'test', 'flaky'], acme);
    expect(failed.code).toBe(1);
    expect(failed.out).toBe('');
    expect(failed.err).toMatch(/^error: cloud 'flaky' failed the test: transient: fake: throttled/);
    const json = await cli(['cloud', 'test', 'flaky', '--output', 'json'], acme);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ cloud: 'flaky', ok: false, message: expect.stringContaining('transient') });
  });

  it('sets and lists quotas per tenant and cloud (with the implicit 0 on clouds of the controller host); --unlimited lifts one', async () => {
    const set = await cli(['quota', 'set', 'lab', '3', '--tenant', 'acme']);
    expect(set.code).toBe(0);
    expect(set.out).toBe('tenant\tacme\ncloud\tlab\nmax instances\t3\nused\t0\n');

    // Fake clouds run their VMs with the local driver: a tenant other than the operator's has 0 there until given more.
    const table = 'TENANT\tCLOUD\tMAX INSTANCES\tUSED\nacme\tflaky\t0\t0\nacme\tlab\t3\t0\nacme\tlocal\t0\t0\n';
    expect((await cli(['quota', 'list', '--tenant', 'acme'])).out).toBe(table);
    expect((await cli(['quota', 'list'], acme)).out).toBe(table);
    expect(JSON.parse((await cli(['quota', 'list', '--output', 'json'], acme)).out)).toEqual([
      { tenant: 'acme', cloud: 'flaky', maxInstances: 0, usedInstances: 0 },
      { tenant: 'acme', cloud: 'lab', maxInstances: 3, usedInstances: 0 },
      { tenant: 'acme', cloud: 'local', maxInstances: 0, usedInstances: 0 },
    ]);
    // Another tenant's quotas are not for a tenant admin to see.
    expect((await cli(['quota', 'list', '--tenant', 'operator'], acme)).code).toBe(1);

    const own = await cli(['quota', 'set', 'flaky', '0', '--output', 'json']);
    expect(JSON.parse(own.out)).toMatchObject({ cloud: 'flaky', maxInstances: 0 });
    // The operator tenant's --unlimited removes its quota.
    expect((await cli(['quota', 'set', 'flaky', '--unlimited'])).code).toBe(0);
    expect((await cli(['quota', 'list'])).out).toBe('TENANT\tCLOUD\tMAX INSTANCES\tUSED\n');

    // Another tenant's --unlimited on a cloud of the controller host is a grant without limit (no quota would be 0).
    const unlimited = await cli(['quota', 'set', 'lab', '--unlimited', '--tenant', 'acme', '--output', 'json']);
    expect(JSON.parse(unlimited.out)).toEqual({ tenant: 'acme', cloud: 'lab', maxInstances: 'unlimited', usedInstances: 0 });
    expect((await cli(['quota', 'list'], acme)).out).toBe(
      'TENANT\tCLOUD\tMAX INSTANCES\tUSED\nacme\tflaky\t0\t0\nacme\tlab\tunlimited\t0\nacme\tlocal\t0\t0\n',
    );
    expect((await cli(['quota', 'set', 'nowhere', '1'])).code).toBe(1);
  });

  it('deletes credentials and removes clouds; built-in clouds stay', async () => {
    expect((await cli(['credential', 'delete', 'lab'], acme)).err).toBe("deleted your tenant's credential for cloud 'lab'\n");
    expect((await cli(['credential', 'delete', 'lab'], acme)).code).toBe(1);
    expect((await cli(['cloud', 'get', 'lab'], acme)).out).toContain('credential\t\n');

    for (const name of ['lab', 'flaky']) expect((await cli(['cloud', 'remove', name])).err).toBe(`removed cloud '${name}'\n`);
    expect((await cli(['cloud', 'get', 'lab'])).code).toBe(1);
    expect((await cli(['cloud', 'list'])).out).toMatch(/^NAME\t.*\nlocal\t[^\n]*\n$/);
    const builtIn = await cli(['cloud', 'remove', 'local']);
    expect(builtIn.code).toBe(1);
    expect(builtIn.err).toContain("'local' is a built-in cloud");
  });

  it('usage errors exit 2 naming the flag or argument, before any call and without quoting a secret', async () => {
    const missing = join(dir, 'missing.json');
    const broken = join(dir, 'broken.json');
    await writeFile(broken, `{"secretAccessKey": "${SECRET}",}`);
    const cases: [string[], string][] = [
      [['cloud', 'add', 'x'], "required option '--driver <driver>' not specified"],
      [['cloud', 'add', 'x', '--driver', 'fake', '--set', 'novalue'], "option '--set <key=value>' argument 'novalue' is invalid"],
      [['cloud', 'update', 'x', '--set', '=v'], "option '--set <key=value>' argument '=v' is invalid"],
      [['cloud', 'get'], "missing required argument 'name'"],
      [['credential', 'set', 'lab'], 'give the credentials: --from-file FILE, or --set KEY=VALUE'],
      [['credential', 'set', 'lab', '--from-file', broken, '--set', 'a=b'], "option '--from-file <file>' cannot be used with option '--set <key=value>'"],
      [['credential', 'set', 'lab', '--set', SECRET], "option '--set <key=value>': expected KEY=VALUE (the value given is not shown)"],
      [['credential', 'set', 'lab', '--from-file', missing], `--from-file ${missing}: cannot read it (ENOENT)`],
      [['credential', 'set', 'lab', '--from-file', broken], `--from-file ${broken}: is not valid JSON`],
      [['quota', 'set', 'lab'], 'give MAX (a whole number >= 0) or --unlimited'],
      [['quota', 'set', 'lab', '3', '--unlimited'], 'give MAX or --unlimited, not both'],
      [['quota', 'set', 'lab', 'many'], "command-argument value 'many' is invalid for argument 'max'"],
      [['quota', 'set', 'lab', '2.5'], "command-argument value '2.5' is invalid for argument 'max'"],
      [['quota', 'list', 'extra'], 'too many arguments'],
    ];
    for (const [argv, message] of cases) {
      const deps = createTestDeps({ configPath: join(dir, 'config.yaml') });
      const code = await runCli(argv, deps, () => {
        throw new Error('usage errors must be caught before connecting');
      });
      printed.push(deps.out(), deps.err());
      expect({ argv, code, out: deps.out() }).toEqual({ argv, code: 2, out: '' });
      expect(deps.err()).toContain(message);
    }
  });

  it('never printed a secret, nor logged one', () => {
    expect(printed.length).toBeGreaterThan(50);
    for (const secret of [SECRET, OTHER_SECRET, KEY_SECRET]) {
      expect(printed.filter((text) => text.includes(secret))).toEqual([]);
      expect(JSON.stringify(controller.logs)).not.toContain(secret);
    }
  });
});
