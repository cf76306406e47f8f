import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './set.js';

const STORED_AT = new Date('2025-01-31T12:00:00Z');
const SECRET = 'wJalrXUtnFEMI-very-secret';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-credential-set-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('credential set', () => {
  it('stores the --set fields and names them, never their values', async () => {
    const deps = fakeDeps({ clouds: { setCredential: async () => STORED_AT } });
    const fields = { accessKeyId: 'AKIA1', secretAccessKey: SECRET };
    expect(await run(deps, { output: 'table', cloud: 'aws-eu', fields })).toBe(0);
    expect(deps.argsOf('clouds.setCredential')).toEqual([['aws-eu', fields]]);
    expect(deps.err()).toBe("stored your tenant's credential for cloud 'aws-eu' (fields: accessKeyId, secretAccessKey)\n");
    expect(deps.out()).toBe('');
  });

  it('prints the cloud, the field names and when they were stored as JSON', async () => {
    const deps = fakeDeps({ clouds: { setCredential: async () => STORED_AT } });
    expect(await run(deps, { output: 'json', cloud: 'aws-eu', fields: { secretAccessKey: SECRET } })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({ cloud: 'aws-eu', fields: ['secretAccessKey'], updatedAt: '2025-01-31T12:00:00Z' });
    expect(deps.out()).not.toContain(SECRET);
  });

  it('reads the fields from --from-file', async () => {
    const file = join(dir, 'aws.json');
    await writeFile(file, JSON.stringify({ accessKeyId: 'AKIA1', secretAccessKey: SECRET }));
    const deps = fakeDeps({ clouds: { setCredential: async () => STORED_AT } });
    expect(await runCli(['credential', 'set', 'aws-eu', '--from-file', file], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('clouds.setCredential')).toEqual([['aws-eu', { accessKeyId: 'AKIA1', secretAccessKey: SECRET }]]);
    expect(deps.err()).not.toContain(SECRET);
  });

  it('passes repeated --set flags through the command line', async () => {
    const deps = fakeDeps({ clouds: { setCredential: async () => STORED_AT } });
    const argv = ['credential', 'set', 'azure', '--set', 'tenantId=t1', '--set', `clientSecret=${SECRET}`];
    expect(await runCli(argv, deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('clouds.setCredential')).toEqual([['azure', { tenantId: 't1', clientSecret: SECRET }]]);
  });

  it('exits 2 without a source, and with both, calling nothing', async () => {
    const none = fakeDeps();
    expect(await run(none, { output: 'table', cloud: 'aws-eu' })).toBe(2);
    expect(none.err()).toBe('error: give the credentials: --from-file FILE, or --set KEY=VALUE (repeatable)\n');
    const both = fakeDeps();
    expect(await run(both, { output: 'table', cloud: 'aws-eu', fromFile: join(dir, 'f'), fields: { a: 'b' } })).toBe(2);
    expect(both.err()).toBe('error: give --from-file or --set, not both\n');
  });

  it('exits 2 for a bad --set without quoting it (it may be a secret)', async () => {
    const deps = fakeDeps();
    expect(await runCli(['credential', 'set', 'aws-eu', '--set', SECRET], deps, () => deps.connect())).toBe(2);
    expect(deps.err()).toBe("error: option '--set <key=value>': expected KEY=VALUE (the value given is not shown)\n");
  });

  it('exits 2 for an unreadable --from-file, naming it', async () => {
    const file = join(dir, 'absent.json');
    const deps = fakeDeps();
    expect(await run(deps, { output: 'table', cloud: 'aws-eu', fromFile: file })).toBe(2);
    expect(deps.err()).toBe(`error: --from-file ${file}: cannot read it (ENOENT)\n`);
  });

  it('exits 4 for a caller who is no tenant admin, and 1 for an unknown cloud', async () => {
    const denied = fakeDeps({ clouds: { setCredential: () => Promise.reject(permissionDenied('admins only')) } });
    expect(await run(denied, { output: 'table', cloud: 'aws-eu', fields: { a: SECRET } })).toBe(4);
    expect(denied.err()).toBe('error: permission denied: admins only\n');
    const unknown = fakeDeps({ clouds: { setCredential: () => Promise.reject(notFound('cloud', 'nope')) } });
    expect(await run(unknown, { output: 'table', cloud: 'nope', fields: { a: SECRET } })).toBe(1);
    expect(unknown.err()).toBe('error: cloud nope not found\n');
  });
});
