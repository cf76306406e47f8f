/**
 * The CLI against a real controller (SQLite and PostgreSQL): every command
 * through runCli, as a user types it, checking stdout, stderr and exit codes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../test/helpers/controller.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { runCli } from './program.js';
import { createTestDeps } from './test-io.js';

const BASE = `path: lib/base
kind: component
description: Debian base
images:
  local: debian-12
recipes:
  packages:
    - curl
  deployment: |
    #!/bin/bash
    echo base
parameters:
  - name: port
    category: input
    type: int
    default: 8080
  - name: url
    category: output
    type: string
`;

const WEB = `kind: component
path: lib/web
parent: lib/base
recipes:
  deployment: |
    echo web on $(ss-get port)
`;

const SHOP = `path: apps/shop
kind: application
nodes:
  - name: web
    component: lib/web
    multiplicity: 2
    mappings:
      port: "'9090'"
  - name: db
    component: lib/base
    mappings:
      port: web:url
`;

describe.each(TEST_DATABASES)('slipstream CLI on %s', (database) => {
  let controller: TestController;
  let dir: string;

  /** Runs the CLI with the given token (default: the operator admin's; null: none). */
  const cli = async (argv: string[], token: string | null = controller.adminToken) => {
    const env = { SLIPSTREAM_ADDR: controller.address, ...(token === null ? {} : { SLIPSTREAM_TOKEN: token }) };
    const deps = createTestDeps({ env, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  beforeAll(async () => {
    controller = await startTestController({ database });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-cli-'));
    await mkdir(join(dir, 'modules', 'apps'), { recursive: true });
    await writeFile(join(dir, 'modules', 'apps', 'shop.yaml'), SHOP);
    await writeFile(join(dir, 'modules', 'base.yaml'), BASE);
    await writeFile(join(dir, 'modules', 'web.yml'), WEB);
  });

  afterAll(async () => {
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 4 without a valid token', async () => {
    expect((await cli(['whoami'], 'sst_not-a-token')).code).toBe(4);
    const none = await cli(['whoami'], null);
    expect(none.code).toBe(4);
    expect(none.err).toContain('not authenticated');
  });

  it('pushes in dependency order, then finds nothing to change; pull -> push is a no-op', async () => {
    const first = await cli(['module', 'push', join(dir, 'modules'), '-m', 'initial import']);
    expect(first).toMatchObject({ code: 0, out: 'created lib/base@1\ncreated lib/web@1\ncreated apps/shop@1\n' });

    const again = await cli(['module', 'push', join(dir, 'modules')]);
    expect(again.out).toBe('unchanged lib/base@1\nunchanged lib/web@1\nunchanged apps/shop@1\n');

    const pulled = join(dir, 'pulled');
    for (const path of ['lib/base', 'lib/web', 'apps/shop']) {
      expect((await cli(['module', 'pull', path, '-o', `${pulled}/`])).code).toBe(0);
    }
    const before = await readFile(join(pulled, 'lib', 'web.yaml'), 'utf8');
    expect(before).toBe('path: lib/web\nkind: component\nparent: lib/base\nrecipes:\n  deployment: |\n    echo web on $(ss-get port)\n');
    expect((await cli(['module', 'push', pulled])).out).toBe('unchanged lib/base@1\nunchanged lib/web@1\nunchanged apps/shop@1\n');
    expect((await cli(['module', 'pull', 'lib/web'])).out).toBe(before);
  });

  it('creates a version only where content changed, and shows history, list, get and resolve', async () => {
    await writeFile(join(dir, 'modules', 'web.yml'), WEB.replace('echo web', 'echo web v2'));
    const push = await cli(['module', 'push', join(dir, 'modules'), '-m', 'louder']);
    expect(push.out).toBe('unchanged lib/base@1\ncreated lib/web@2\nunchanged apps/shop@1\n');

    const history = await cli(['module', 'history', 'lib/web']);
    expect(history.out.split('\n')[0]).toBe('VERSION\tCREATED\tAUTHOR\tHASH\tTAGS\tMESSAGE');
    expect(history.out.split('\n').slice(1, 3).map((l) => [l.split('\t')[0], l.split('\t')[5]])).toEqual([
      ['2', 'louder'],
      ['1', 'initial import'],
    ]);

    const list = await cli(['module', 'list', 'lib', '--kind', 'component']);
    expect(list.out.split('\n').slice(1, -1).map((l) => l.split('\t').slice(0, 3))).toEqual([
      ['lib/base', 'component', '1'],
      ['lib/web', 'component', '2'],
    ]);

    const get = JSON.parse((await cli(['--output', 'json', 'module', 'get', 'lib/web@1'])).out);
    expect(get).toMatchObject({ document: { path: 'lib/web', parent: 'lib/base' }, info: { version: 1 }, latestVersion: 2 });

    const plan = JSON.parse((await cli(['module', 'resolve', 'apps/shop', '--output', 'json'])).out);
    expect(plan.nodes.map((n: { name: string; lineage: unknown[] }) => [n.name, n.lineage])).toEqual([
      ['web', [{ path: 'lib/base', version: 1 }, { path: 'lib/web', version: 2 }]],
      ['db', [{ path: 'lib/base', version: 1 }]],
    ]);
    expect((await cli(['module', 'resolve', 'apps/shop'])).out).toContain('echo web v2 on $(ss-get port)\n');
  });

  it('reports what the server rejects with its file and field paths, exit 1', async () => {
    const orphan = join(dir, 'orphan.yaml');
    await writeFile(orphan, 'path: lib/orphan\nkind: component\nparent: lib/missing\n');
    const push = await cli(['module', 'push', orphan]);
    expect(push.code).toBe(1);
    expect(push.err).toContain(`${orphan}: lib/orphan not saved`);
    expect(push.err).toMatch(/^ {2}parent: .+$/m);
  });

  it('deletes a module; pinned versions stay readable', async () => {
    await writeFile(join(dir, 'tmp.yaml'), 'path: tmp/gone\nkind: project\n');
    expect((await cli(['module', 'push', join(dir, 'tmp.yaml')])).code).toBe(0);
    expect((await cli(['module', 'delete', 'tmp/gone'])).code).toBe(0);
    expect((await cli(['module', 'list', 'tmp'])).out).toBe('PATH\tKIND\tVERSION\tUPDATED\tAUTHOR\tDESCRIPTION\n');
    expect((await cli(['module', 'get', 'tmp/gone@1'])).out).toBe('path: tmp/gone\nkind: project\n');
  });

  it('manages tenants, users and tokens', async () => {
    const tenant = await cli(['tenant', 'create', 'acme', '--admin', 'root', '--display-name', 'Acme Inc']);
    expect(tenant.code).toBe(0);
    const acmeToken = tenant.out.trim();
    expect(acmeToken).not.toBe('');
    expect(tenant.err).toContain("token of its admin 'root' (shown only once)");

    const me = JSON.parse((await cli(['whoami', '--output', 'json'], acmeToken)).out);
    expect(me).toMatchObject({ name: 'root', tenant: 'acme', role: 'admin', operatorTenant: false });
    expect((await cli(['tenant', 'get'], acmeToken)).out).toContain('display name\tAcme Inc');
    expect((await cli(['tenant', 'list'], acmeToken)).out.split('\n').filter(Boolean)).toHaveLength(2);

    expect((await cli(['user', 'create', 'vera', '--role', 'viewer'], acmeToken)).out).toContain('role\tviewer');
    const bad = await cli(['user', 'create', 'Bad Name', '--role', 'viewer'], acmeToken);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^ {2}name: .+$/m);
    expect((await cli(['user', 'set-role', 'vera', 'editor'], acmeToken)).out).toContain('role\teditor');
    expect((await cli(['user', 'list'], acmeToken)).out).toEqual(
      expect.stringMatching(/^NAME\tROLE\tTENANT\tCREATED\nroot\tadmin\tacme\t.+\nvera\teditor\tacme\t.+\n$/),
    );

    const created = JSON.parse((await cli(['token', 'create', 'ci', '--user', 'vera', '--ttl', '12h', '--output', 'json'], acmeToken)).out);
    expect(created.token).toMatchObject({ name: 'ci', user: 'vera' });
    expect((await cli(['whoami'], created.secret)).out).toContain('user\tvera');
    // An editor may not manage users: PERMISSION_DENIED exits 4.
    expect((await cli(['user', 'create', 'eve', '--role', 'viewer'], created.secret)).code).toBe(4);

    expect((await cli(['token', 'list', '--all'], acmeToken)).out).toContain(`${created.token.id}\tci\tvera`);
    expect((await cli(['token', 'revoke', created.token.id], acmeToken)).err).toContain("revoked token 'ci'");
    expect((await cli(['whoami'], created.secret)).code).toBe(4);
    expect((await cli(['token', 'list', '--user', 'vera', '--include-revoked'], acmeToken)).out).toMatch(/^ID\t.*\tREVOKED\n/);

    expect((await cli(['user', 'delete', 'vera'], acmeToken)).code).toBe(0);
    expect((await cli(['user', 'get', 'vera'], acmeToken)).code).toBe(1);
  });
});
