import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './revoke.js';

const revoked = {
  token: {
    id: 't-1',
    name: 'ci',
    user: 'bob',
    createdAt: new Date('2025-01-31T12:00:00Z'),
    revokedAt: new Date('2025-02-02T00:00:00Z'),
  },
};

describe('token revoke', () => {
  it('revokes the token by id and says whose it was on stderr', async () => {
    const deps = fakeDeps({ tokens: { revoke: async () => revoked } });
    expect(await run(deps, { output: 'table', id: 't-1' })).toBe(0);
    expect(deps.argsOf('tokens.revoke')).toEqual([[{ id: 't-1' }]]);
    expect(deps.err()).toBe("revoked token 'ci' (id t-1) of bob\n");
    expect(deps.out()).toBe('');
  });

  it('prints the revoked token as JSON', async () => {
    const deps = fakeDeps({ tokens: { revoke: async () => revoked } });
    expect(await run(deps, { output: 'json', id: 't-1' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({
      id: 't-1',
      name: 'ci',
      user: 'bob',
      createdAt: '2025-01-31T12:00:00Z',
      expiresAt: '',
      lastUsedAt: '',
      revokedAt: '2025-02-02T00:00:00Z',
    });
    expect(deps.err()).toBe('');
  });

  it('exits 1 for an unknown id', async () => {
    const deps = fakeDeps({ tokens: { revoke: () => Promise.reject(notFound('token', 't-9')) } });
    expect(await run(deps, { output: 'table', id: 't-9' })).toBe(1);
    expect(deps.err()).toBe('error: token t-9 not found\n');
  });
});
