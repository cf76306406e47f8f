/**
 * Authentication, roles and tenant isolation for every RPC that is served,
 * table-driven, against a real controller on SQLite and on PostgreSQL.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient, SlipstreamError, type TemplateSpec } from '../../client/index.js';
import type { Role } from '../../common/roles.js';
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { application, component } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/poll.js';

/** One RPC: how to call it against tenant A's objects, and who may. */
interface RpcCase {
  name: string;
  minRole: Role;
  /** Only admins of the operator tenant. */
  operatorOnly?: boolean;
  call: (c: SlipstreamClient) => Promise<unknown>;
  /** What tenant B's admin gets when aiming at tenant A's objects. */
  crossTenant?: 'not-found' | 'invalid-reference' | 'own-namespace';
}

const A_COMPONENT = 'shared/base';
const A_APP = 'shared/app';
const A_TEMPLATE = 'a-template';

/** A deployment template of tenant A's application. */
const templateOf = (name: string): TemplateSpec => ({ name, module: A_APP, nodeClouds: {}, parameters: {}, multiplicities: {}, tags: [], scalable: false, sshPublicKeys: [] });

const CASES: RpcCase[] = [
  // ModuleService
  { name: 'SaveModule', minRole: 'editor', crossTenant: 'invalid-reference', call: (c) => c.modules.save(application('shared/app2', A_COMPONENT)) },
  { name: 'GetModule', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.get(A_APP) },
  { name: 'GetModule@1', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.get(`${A_COMPONENT}@1`) },
  { name: 'ListModules', minRole: 'viewer', crossTenant: 'own-namespace', call: (c) => c.modules.list({ prefix: 'shared' }) },
  { name: 'ListModuleVersions', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.history(A_COMPONENT) },
  { name: 'DeleteModule', minRole: 'editor', crossTenant: 'not-found', call: (c) => c.modules.delete('shared/doomed') },
  { name: 'ValidateModule', minRole: 'viewer', crossTenant: 'invalid-reference', call: (c) => c.modules.validate(application('shared/app3', A_COMPONENT)) },
  { name: 'ResolveModule', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.resolve(A_APP) },
  { name: 'SetModuleTag', minRole: 'editor', crossTenant: 'not-found', call: (c) => c.modules.setTag(A_COMPONENT, 'stable', 1) },
  { name: 'DeleteModuleTag', minRole: 'editor', crossTenant: 'not-found', call: (c) => c.modules.deleteTag(A_COMPONENT, 'stable') },
  { name: 'ListModuleTags', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.tags(A_COMPONENT) },
  { name: 'ListModuleTagHistory', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.tagHistory(A_COMPONENT) },
  { name: 'ResolveModule:TAG', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.resolve(`${A_COMPONENT}:pinned`) },
  // Sharing: tenant A names its own module as @acme/...; unpublished, tenant B finds nothing there.
  { name: 'GetModule@TENANT', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.modules.get(`@acme/${A_COMPONENT}`) },
  { name: 'PublishModule', minRole: 'editor', crossTenant: 'not-found', call: (c) => c.modules.publish(A_COMPONENT, { tenants: ['initech'] }) },
  { name: 'UnpublishModule', minRole: 'editor', crossTenant: 'not-found', call: (c) => c.modules.unpublish(A_COMPONENT, { tenants: ['initech'] }) },
  { name: 'ListPublications', minRole: 'viewer', call: (c) => c.modules.publications() },
  { name: 'ListSharedModules', minRole: 'viewer', call: (c) => c.modules.shared() },
  // TenantService
  { name: 'CreateTenant', minRole: 'admin', operatorOnly: true, call: (c) => c.tenants.create({ name: `t-${Math.random().toString(36).slice(2, 8)}` }) },
  { name: 'GetTenant', minRole: 'viewer', call: (c) => c.tenants.get({}) },
  { name: 'ListTenants', minRole: 'viewer', call: (c) => c.tenants.list({}) },
  // UserService
  { name: 'WhoAmI', minRole: 'viewer', call: (c) => c.users.whoAmI({}) },
  { name: 'CreateUser', minRole: 'admin', call: (c) => c.users.create({ name: `u${Math.random().toString(36).slice(2, 8)}`, role: PbRole.ROLE_VIEWER }) },
  { name: 'GetUser', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.users.get({ name: 'vera' }) },
  { name: 'ListUsers', minRole: 'viewer', call: (c) => c.users.list({}) },
  { name: 'UpdateUser', minRole: 'admin', crossTenant: 'not-found', call: (c) => c.users.update({ name: 'dana', role: PbRole.ROLE_DEPLOYER }) },
  { name: 'DeleteUser', minRole: 'admin', crossTenant: 'not-found', call: (c) => c.users.delete({ name: 'temp' }) },
  // TokenService
  { name: 'CreateToken', minRole: 'viewer', call: (c) => c.tokens.create({ name: 'extra' }) },
  { name: 'ListTokens', minRole: 'viewer', call: (c) => c.tokens.list({}) },
  { name: 'RevokeToken', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.tokens.revoke({ id: '00000000-0000-4000-8000-000000000000' }) },
  // TemplateService
  { name: 'SaveTemplate', minRole: 'editor', call: (c) => c.templates.save(templateOf('by-role')) },
  { name: 'GetTemplate', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.templates.get(A_TEMPLATE) },
  { name: 'GetTemplate@1', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.templates.get(`${A_TEMPLATE}@1`) },
  { name: 'ListTemplates', minRole: 'viewer', call: (c) => c.templates.list() },
  { name: 'ListTemplateVersions', minRole: 'viewer', crossTenant: 'not-found', call: (c) => c.templates.history(A_TEMPLATE) },
  { name: 'DeleteTemplate', minRole: 'editor', crossTenant: 'not-found', call: (c) => c.templates.delete('doomed-template') },
];

async function codeOf(promise: Promise<unknown>): Promise<status | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof SlipstreamError) return err.code;
    throw err;
  }
}

describe.each(TEST_DATABASES)('auth and tenant isolation on %s', (database) => {
  let controller: TestController;
  const clients: SlipstreamClient[] = [];
  const connect = (token?: string) => {
    const client = createSlipstreamClient({ address: controller.address, ...(token ? { token } : {}) });
    clients.push(client);
    return client;
  };
  let operator: SlipstreamClient;
  let tenantA: Record<Role, SlipstreamClient>;
  let tenantB: SlipstreamClient;
  let revoked: SlipstreamClient;
  let expired: SlipstreamClient;
  let anonymous: SlipstreamClient;
  let garbage: SlipstreamClient;

  beforeAll(async () => {
    controller = await startTestController({ database });
    operator = connect(controller.adminToken);
    const a = await operator.tenants.create({ name: 'acme' });
    const b = await operator.tenants.create({ name: 'globex' });
    const adminA = connect(a.adminToken);
    tenantB = connect(b.adminToken);
    const roleTokens: Partial<Record<Role, SlipstreamClient>> = { admin: adminA };
    for (const [user, role, pbRole] of [
      ['vera', 'viewer', PbRole.ROLE_VIEWER],
      ['dana', 'deployer', PbRole.ROLE_DEPLOYER],
      ['eddie', 'editor', PbRole.ROLE_EDITOR],
    ] as const) {
      await adminA.users.create({ name: user, role: pbRole });
      const token = await adminA.tokens.create({ name: 'test', user });
      roleTokens[role] = connect(token.secret);
    }
    tenantA = roleTokens as Record<Role, SlipstreamClient>;
    await adminA.users.create({ name: 'temp', role: PbRole.ROLE_VIEWER });
    await adminA.modules.save(component(A_COMPONENT));
    await adminA.modules.save(application(A_APP, A_COMPONENT));
    await adminA.modules.save(component('shared/doomed'));
    await adminA.templates.save(templateOf(A_TEMPLATE));
    await adminA.templates.save(templateOf('doomed-template'));
    await adminA.modules.setTag(A_COMPONENT, 'pinned', 1);

    const toRevoke = await adminA.tokens.create({ name: 'to-revoke' });
    await adminA.tokens.revoke({ id: toRevoke.token!.id });
    revoked = connect(toRevoke.secret);
    const shortLived = await adminA.tokens.create({ name: 'short', ttlSeconds: 1 });
    expired = connect(shortLived.secret);
    anonymous = connect();
    garbage = connect('sst_' + 'x'.repeat(43));
    await waitFor('the short-lived token to expire', async () =>
      (await codeOf(expired.users.whoAmI({}))) === status.UNAUTHENTICATED ? true : undefined,
    );
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await controller?.stop();
  });

  it.each(CASES)('$name: no, unknown, revoked and expired tokens are UNAUTHENTICATED', async (rpc) => {
    expect(await codeOf(rpc.call(anonymous))).toBe(status.UNAUTHENTICATED);
    expect(await codeOf(rpc.call(garbage))).toBe(status.UNAUTHENTICATED);
    expect(await codeOf(rpc.call(revoked))).toBe(status.UNAUTHENTICATED);
    expect(await codeOf(rpc.call(expired))).toBe(status.UNAUTHENTICATED);
  });

  it.each(CASES.filter((c) => c.crossTenant))("$name: tenant B cannot see tenant A's objects", async (rpc) => {
    if (rpc.crossTenant === 'not-found') {
      expect(await codeOf(rpc.call(tenantB))).toBe(status.NOT_FOUND);
    } else if (rpc.crossTenant === 'invalid-reference') {
      const err = await rpc.call(tenantB).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SlipstreamError);
      expect((err as SlipstreamError).code).toBe(status.INVALID_ARGUMENT);
      expect(JSON.stringify((err as { violations?: unknown }).violations)).toMatch(/"field":"nodes\[0\]\.component","description":"unknown component/);
    } else {
      expect(await tenantB.modules.list({ prefix: 'shared' })).toEqual([]);
    }
  });

  it.each(CASES)('$name: allowed from role $minRole up, PERMISSION_DENIED below', async (rpc) => {
    for (const role of ['viewer', 'deployer', 'editor', 'admin'] as const) {
      const code = await codeOf(rpc.call(tenantA[role]));
      const allowed = !rpc.operatorOnly && ['viewer', 'deployer', 'editor', 'admin'].indexOf(role) >= ['viewer', 'deployer', 'editor', 'admin'].indexOf(rpc.minRole);
      if (allowed) expect([status.PERMISSION_DENIED, status.UNAUTHENTICATED], `${role} must be allowed`).not.toContain(code);
      else expect(code, `${role} must be denied`).toBe(status.PERMISSION_DENIED);
    }
  });

  it("operator admins manage tenants; other tenants' admins cannot even see them", async () => {
    const names = (await operator.tenants.listAll()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'acme', 'globex']));
    expect((await tenantB.tenants.listAll()).map((t) => t.name)).toEqual(['globex']);
    expect(await codeOf(tenantB.tenants.get({ name: 'acme' }))).toBe(status.NOT_FOUND);
    expect(await codeOf(tenantB.tenants.get({ name: 'no-such' }))).toBe(status.NOT_FOUND);
  });

  it("tenant B's writes never touch tenant A's catalog", async () => {
    await tenantB.modules.save(component(A_COMPONENT, { description: "globex's own" }));
    const mine = await tenantB.modules.get(A_COMPONENT);
    expect(mine.info.version).toBe(1);
    const theirs = await tenantA.viewer.modules.get(A_COMPONENT);
    expect(theirs.document.description).toBe('test component');
    const listing = await tenantA.viewer.modules.list({ kind: 'component' });
    expect(listing.map((m) => m.path)).toContain(A_COMPONENT);
  });

  it('the last admin cannot be demoted or deleted', async () => {
    const err = await tenantA.admin.users.update({ name: 'admin', role: PbRole.ROLE_VIEWER }).catch((e: unknown) => e);
    expect((err as SlipstreamError).code).toBe(status.FAILED_PRECONDITION);
    expect((err as SlipstreamError).reason).toBe('LAST_ADMIN');
  });

  it('tokens are shown once and stored only as hashes', async () => {
    const created = await tenantA.viewer.tokens.create({ name: 'once' });
    expect(created.secret).toMatch(/^sst_/);
    const listed = await tenantA.viewer.tokens.list({});
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify(controller.logs)).not.toContain(created.secret);
    expect(listed.tokens.map((t) => t.name)).toContain('once');
  });

  it('bad token requests name the field', async () => {
    const err = (await tenantA.viewer.tokens.create({ name: '', ttlSeconds: -5 }).catch((e: unknown) => e)) as SlipstreamError & {
      violations: { field: string }[];
    };
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.violations.map((v) => v.field).sort()).toEqual(['name', 'ttl_seconds']);
  });
});
