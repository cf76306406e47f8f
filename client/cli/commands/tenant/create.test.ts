import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { errorFromStatus } from '../../../errors.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { permissionDenied } from '../../testing/service-errors.js';
import { run } from './create.js';

const created = {
  tenant: { name: 'acme', displayName: 'Acme Corp', operator: false, createdAt: new Date('2025-01-31T12:00:00Z') },
  adminToken: 'ss_admin_token_secret',
};

describe('tenant create', () => {
  it("creates the tenant and prints only its admin's token on stdout", async () => {
    const deps = fakeDeps({ tenants: { create: async () => created } });
    expect(await run(deps, { output: 'table', name: 'acme', admin: 'root', displayName: 'Acme Corp' })).toBe(0);
    expect(deps.argsOf('tenants.create')).toEqual([[{ name: 'acme', adminUser: 'root', displayName: 'Acme Corp' }]]);
    expect(deps.out()).toBe('ss_admin_token_secret\n');
    expect(deps.err()).toBe("created tenant 'acme'; token of its admin 'root' (shown only once):\n");
  });

  it('prints the tenant, its admin and the token as JSON', async () => {
    const deps = fakeDeps({ tenants: { create: async () => created } });
    expect(await run(deps, { output: 'json', name: 'acme', admin: 'root' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({
      tenant: { name: 'acme', displayName: 'Acme Corp', operator: false, createdAt: '2025-01-31T12:00:00Z' },
      adminUser: 'root',
      adminToken: 'ss_admin_token_secret',
    });
    expect(deps.err()).toBe('');
  });

  it("names the first admin 'admin' unless --admin says otherwise", async () => {
    const deps = fakeDeps({ tenants: { create: async () => created } });
    expect(await runCli(['tenant', 'create', 'acme'], deps, () => deps.connect())).toBe(0);
    expect(await runCli(['tenant', 'create', 'acme', '--admin', 'root', '--display-name', 'Acme'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('tenants.create')).toEqual([
      [{ name: 'acme', adminUser: 'admin', displayName: undefined }],
      [{ name: 'acme', adminUser: 'root', displayName: 'Acme' }],
    ]);
  });

  it('exits 1 when the tenant exists, printing no token', async () => {
    const exists = errorFromStatus({ code: status.ALREADY_EXISTS, message: "tenant 'acme' already exists" });
    const deps = fakeDeps({ tenants: { create: () => Promise.reject(exists) } });
    expect(await run(deps, { output: 'table', name: 'acme', admin: 'admin' })).toBe(1);
    expect(deps.err()).toBe("error: tenant 'acme' already exists\n");
    expect(deps.out()).toBe('');
  });

  it('exits 4 for a caller who is no operator admin', async () => {
    const deps = fakeDeps({ tenants: { create: () => Promise.reject(permissionDenied('operator admins only')) } });
    expect(await run(deps, { output: 'json', name: 'acme', admin: 'admin' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: operator admins only\n');
    expect(deps.out()).toBe('');
  });
});
