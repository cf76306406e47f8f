/**
 * `slipstream run get-param ID KEY [--reveal]` against a real controller
 * (SQLite and PostgreSQL): a password is masked unless `--reveal`, which an
 * admin may use (the value on stdout, the reveal an event of the run) and a
 * viewer may not (exit 4, naming the role needed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { startTestController, type TestController } from '../../test/helpers/controller.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { createSlipstreamClient, type SlipstreamClient } from '../index.js';
import { runCli } from './program.js';
import { createTestDeps } from './test-io.js';

const SECRET = 'cli-reveal-secret-0123456789';

/** Its VMs never finish provisioning: the run stays live without any agent process. */
const PARKED_CLOUD = { name: 'parked', driver: 'fake', settings: { world: `cli-reveal-${process.pid}`, provisionDelayMs: '3600000' } };

describe.each(TEST_DATABASES)('slipstream run get-param on %s', (database) => {
  let controller: TestController;
  let admin: SlipstreamClient;
  let viewerToken = '';
  let dir: string;
  let runId = '';

  const cli = async (argv: string[], token = controller.adminToken) => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: token }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [PARKED_CLOUD] });
    admin = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-get-param-cli-'));
    await admin.clouds.setQuota(undefined, PARKED_CLOUD.name, 10);
    await admin.users.create({ name: 'vera', role: Role.ROLE_VIEWER });
    viewerToken = (await admin.tokens.create({ name: 'test', user: 'vera' })).secret;
    await admin.modules.save({
      kind: 'component',
      path: 'vault/db',
      images: { parked: 'img-1' },
      resources: {},
      recipes: {},
      parameters: [{ name: 'password', category: 'input', type: 'password', default: SECRET }],
    });
    runId = (await admin.runs.launch({ module: 'vault/db', defaultCloud: 'parked' })).id;
  });

  afterAll(async () => {
    if (runId) await admin?.runs.terminate(runId).catch(() => undefined);
    admin?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('masks the password without --reveal', async () => {
    const masked = await cli(['run', 'get-param', runId, 'machine.1:password']);
    expect(masked).toMatchObject({ code: 0, err: '' });
    expect(masked.out).toMatch(/^key\tmachine\.1:password\nvalue\t\*{8}\nset\tyes\nsecret\tyes\n/);
    expect(masked.out).not.toContain(SECRET);
  });

  it('--reveal prints the value to an admin and the run records the reveal', async () => {
    const revealed = await cli(['run', 'get-param', runId, 'machine.1:password', '--reveal']);
    expect(revealed.code).toBe(0);
    expect(revealed.out).toContain(`value\t${SECRET}\n`);
    expect(revealed.err).toBe('revealed machine.1:password; the run records it as an event\n');
    const json = await cli(['--output', 'json', 'run', 'get-param', runId, 'machine:password', '--reveal']);
    expect(JSON.parse(json.out)).toMatchObject({ key: 'machine.1:password', value: SECRET, set: true, secret: true });

    const events = await cli(['run', 'events', runId]);
    const reveals = events.out
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((cells) => cells[3] === 'reveal')
      .map((cells) => [cells[2], cells[4]]);
    expect(reveals).toEqual([
      ['user:admin', 'parameter machine.1:password revealed'],
      ['user:admin', 'parameter machine.1:password revealed'],
    ]);
  });

  it('--reveal as a viewer exits 4 naming the role needed, printing nothing on stdout', async () => {
    const denied = await cli(['run', 'get-param', runId, 'machine.1:password', '--reveal'], viewerToken);
    expect(denied.code).toBe(4);
    expect(denied.out).toBe('');
    expect(denied.err).toMatch(/^error: permission denied: .*needs the deployer role; user 'vera' is viewer\n$/);
    expect((await cli(['run', 'get-param', runId, 'machine.1:password'], viewerToken)).out).toContain('value\t********\n');
  });
});
