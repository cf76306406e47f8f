import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { failedPrecondition, notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './delete.js';

describe('user delete', () => {
  it('deletes the user and says their tokens are revoked', async () => {
    const deps = fakeDeps({ users: { delete: async () => ({}) } });
    expect(await run(deps, { name: 'bob' })).toBe(0);
    expect(deps.argsOf('users.delete')).toEqual([[{ name: 'bob' }]]);
    expect(deps.err()).toBe("deleted user 'bob' and revoked their tokens\n");
    expect(deps.out()).toBe('');
  });

  it('exits 1 for an unknown user or a refused deletion, 4 for a caller who is no admin', async () => {
    const unknown = fakeDeps({ users: { delete: () => Promise.reject(notFound('user', 'nobody')) } });
    expect(await run(unknown, { name: 'nobody' })).toBe(1);
    expect(unknown.err()).toBe('error: user nobody not found\n');
    const last = fakeDeps({ users: { delete: () => Promise.reject(failedPrecondition('the last admin cannot be deleted')) } });
    expect(await run(last, { name: 'root' })).toBe(1);
    expect(last.err()).toBe('error: the last admin cannot be deleted\n');
    const denied = fakeDeps({ users: { delete: () => Promise.reject(permissionDenied('admins only')) } });
    expect(await run(denied, { name: 'bob' })).toBe(4);
    expect(denied.err()).toBe('error: permission denied: admins only\n');
  });
});
