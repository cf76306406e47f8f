import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { failedPrecondition, permissionDenied } from '../../testing/service-errors.js';
import { run } from './remove.js';

describe('cloud remove', () => {
  it('removes the named cloud and says so on stderr', async () => {
    const deps = fakeDeps({ clouds: { remove: async () => undefined } });
    expect(await run(deps, { name: 'aws-eu' })).toBe(0);
    expect(deps.argsOf('clouds.remove')).toEqual([['aws-eu']]);
    expect(deps.err()).toBe("removed cloud 'aws-eu'\n");
    expect(deps.out()).toBe('');
  });

  it('exits 1 with the reason while live runs have VMs on it', async () => {
    const busy = failedPrecondition("cloud 'aws-eu' has live instances");
    const deps = fakeDeps({ clouds: { remove: () => Promise.reject(busy) } });
    expect(await run(deps, { name: 'aws-eu' })).toBe(1);
    expect(deps.err()).toBe("error: cloud 'aws-eu' has live instances\n");
  });

  it('exits 4 for a caller who is no operator admin', async () => {
    const denied = permissionDenied('operator admins only');
    const deps = fakeDeps({ clouds: { remove: () => Promise.reject(denied) } });
    expect(await run(deps, { name: 'aws-eu' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: operator admins only\n');
  });
});
