import { describe, expect, it } from 'vitest';
import { runCli } from '../../program.js';
import { fakeDeps, type FakeDeps } from '../../testing/fake-deps.js';
import { permissionDenied } from '../../testing/service-errors.js';
import { run } from './create.js';

const CREATED = new Date('2025-01-31T12:00:00Z');
const expiring = {
  token: { id: 't-1', name: 'ci', user: 'bob', createdAt: CREATED, expiresAt: new Date('2025-03-02T12:00:00Z') },
  secret: 'ss_token_secret',
};
const forever = { token: { id: 't-2', name: 'laptop', user: 'alice', createdAt: CREATED }, secret: 'ss_other_secret' };

const cli = (deps: FakeDeps, ...argv: string[]): Promise<number> => runCli(['token', 'create', ...argv], deps, () => deps.connect());

describe('token create', () => {
  it('prints only the secret on stdout, and what was created on stderr', async () => {
    const deps = fakeDeps({ tokens: { create: async () => expiring } });
    expect(await run(deps, { output: 'table', name: 'ci', user: 'bob', ttlSeconds: 2_592_000 })).toBe(0);
    expect(deps.argsOf('tokens.create')).toEqual([[{ name: 'ci', user: 'bob', ttlSeconds: 2_592_000 }]]);
    expect(deps.out()).toBe('ss_token_secret\n');
    expect(deps.err()).toBe("created token 'ci' (id t-1) for bob, expires 2025-03-02T12:00:00Z; secret (shown only once):\n");
  });

  it('says when a token never expires', async () => {
    const deps = fakeDeps({ tokens: { create: async () => forever } });
    expect(await run(deps, { output: 'table', name: 'laptop' })).toBe(0);
    expect(deps.err()).toContain("created token 'laptop' (id t-2) for alice, never expires;");
  });

  it('prints the token and its secret as JSON', async () => {
    const deps = fakeDeps({ tokens: { create: async () => expiring } });
    expect(await run(deps, { output: 'json', name: 'ci' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({
      token: {
        id: 't-1',
        name: 'ci',
        user: 'bob',
        createdAt: '2025-01-31T12:00:00Z',
        expiresAt: '2025-03-02T12:00:00Z',
        lastUsedAt: '',
        revokedAt: '',
      },
      secret: 'ss_token_secret',
    });
    expect(deps.err()).toBe('');
  });

  it('turns --ttl into seconds, and leaves owner and lifetime unset without flags', async () => {
    const deps = fakeDeps({ tokens: { create: async () => expiring } });
    expect(await cli(deps, 'ci', '--user', 'bob', '--ttl', '12h')).toBe(0);
    expect(await cli(deps, 'ci')).toBe(0);
    expect(deps.argsOf('tokens.create')).toEqual([
      [{ name: 'ci', user: 'bob', ttlSeconds: 43_200 }],
      [{ name: 'ci', user: undefined, ttlSeconds: undefined }],
    ]);
  });

  it('exits 2 for a --ttl without a unit, calling nothing', async () => {
    const deps = fakeDeps();
    expect(await cli(deps, 'ci', '--ttl', '30')).toBe(2);
    expect(deps.err()).toContain("option '--ttl <duration>' argument '30' is invalid. expected a positive duration with a unit");
  });

  it('exits 4 for a token for someone else when the caller is no admin, printing no secret', async () => {
    const deps = fakeDeps({ tokens: { create: () => Promise.reject(permissionDenied('only admins create tokens for others')) } });
    expect(await run(deps, { output: 'table', name: 'ci', user: 'carol' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: only admins create tokens for others\n');
    expect(deps.out()).toBe('');
  });
});
