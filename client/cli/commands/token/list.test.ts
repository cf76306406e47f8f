import { describe, expect, it } from 'vitest';
import { runCli } from '../../program.js';
import { fakeDeps, type FakeDeps } from '../../testing/fake-deps.js';
import { permissionDenied, unauthenticated } from '../../testing/service-errors.js';
import { run } from './list.js';

const CREATED = new Date('2025-01-31T12:00:00Z');
const tokens = [
  { id: 't-1', name: 'ci', user: 'bob', createdAt: CREATED, lastUsedAt: new Date('2025-02-01T00:00:00Z') },
  {
    id: 't-2',
    name: 'old',
    user: 'bob',
    createdAt: CREATED,
    expiresAt: new Date('2025-03-01T00:00:00Z'),
    revokedAt: new Date('2025-02-02T00:00:00Z'),
  },
];

const cli = (deps: FakeDeps, ...argv: string[]): Promise<number> => runCli(['token', 'list', ...argv], deps, () => deps.connect());

describe('token list', () => {
  it("lists the caller's tokens without the revoked column", async () => {
    const deps = fakeDeps({ tokens: { list: async () => ({ tokens: tokens.slice(0, 1) }) } });
    expect(await run(deps, { output: 'table', includeRevoked: false })).toBe(0);
    expect(deps.argsOf('tokens.list')).toEqual([[{ user: undefined, includeRevoked: false }]]);
    expect(deps.out()).toBe(
      'ID\tNAME\tUSER\tCREATED\tEXPIRES\tLAST USED\nt-1\tci\tbob\t2025-01-31T12:00:00Z\tnever\t2025-02-01T00:00:00Z\n',
    );
  });

  it('shows when each was revoked with --include-revoked, as a table on a terminal', async () => {
    const deps = fakeDeps({ tokens: { list: async () => ({ tokens }) } }, { isTTY: true });
    expect(await run(deps, { output: 'table', user: 'bob', includeRevoked: true })).toBe(0);
    expect(deps.argsOf('tokens.list')).toEqual([[{ user: 'bob', includeRevoked: true }]]);
    expect(deps.out().split('\n')).toEqual([
      'ID   NAME  USER  CREATED               EXPIRES               LAST USED             REVOKED',
      't-1  ci    bob   2025-01-31T12:00:00Z  never                 2025-02-01T00:00:00Z',
      't-2  old   bob   2025-01-31T12:00:00Z  2025-03-01T00:00:00Z                        2025-02-02T00:00:00Z',
      '',
    ]);
  });

  it('prints JSON, never a secret', async () => {
    const deps = fakeDeps({ tokens: { list: async () => ({ tokens: tokens.slice(1) }) } });
    expect(await run(deps, { output: 'json', includeRevoked: true })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual([
      {
        id: 't-2',
        name: 'old',
        user: 'bob',
        createdAt: '2025-01-31T12:00:00Z',
        expiresAt: '2025-03-01T00:00:00Z',
        lastUsedAt: '',
        revokedAt: '2025-02-02T00:00:00Z',
      },
    ]);
  });

  it("asks for everyone's tokens with --all ('*') and a user's with --user", async () => {
    const deps = fakeDeps({ tokens: { list: async () => ({ tokens: [] }) } });
    expect(await cli(deps, '--all')).toBe(0);
    expect(await cli(deps, '--user', 'carol', '--include-revoked')).toBe(0);
    expect(deps.argsOf('tokens.list')).toEqual([
      [{ user: '*', includeRevoked: false }],
      [{ user: 'carol', includeRevoked: true }],
    ]);
  });

  it('exits 4 for --all from a caller who is no admin, and for a rejected token', async () => {
    const denied = fakeDeps({ tokens: { list: () => Promise.reject(permissionDenied('admins only')) } });
    expect(await run(denied, { output: 'table', user: { all: true }, includeRevoked: false })).toBe(4);
    expect(denied.err()).toBe('error: permission denied: admins only\n');
    const rejected = fakeDeps({ tokens: { list: () => Promise.reject(unauthenticated('token expired')) } });
    expect(await run(rejected, { output: 'table', includeRevoked: false })).toBe(4);
    expect(rejected.err()).toBe('error: not authenticated: token expired (check the token: slipstream context show)\n');
    expect(rejected.out()).toBe('');
  });
});
