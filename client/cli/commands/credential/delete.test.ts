import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './delete.js';

describe('credential delete', () => {
  it("deletes the tenant's credentials for the cloud and says so on stderr", async () => {
    const deps = fakeDeps({ clouds: { deleteCredential: async () => undefined } });
    expect(await run(deps, { cloud: 'aws-eu' })).toBe(0);
    expect(deps.argsOf('clouds.deleteCredential')).toEqual([['aws-eu']]);
    expect(deps.err()).toBe("deleted your tenant's credential for cloud 'aws-eu'\n");
    expect(deps.out()).toBe('');
  });

  it('exits 1 when there are none', async () => {
    const deps = fakeDeps({ clouds: { deleteCredential: () => Promise.reject(notFound('credential', 'aws-eu')) } });
    expect(await run(deps, { cloud: 'aws-eu' })).toBe(1);
    expect(deps.err()).toBe('error: credential aws-eu not found\n');
  });

  it('exits 4 for a caller who is no tenant admin', async () => {
    const deps = fakeDeps({ clouds: { deleteCredential: () => Promise.reject(permissionDenied('admins only')) } });
    expect(await run(deps, { cloud: 'aws-eu' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: admins only\n');
  });
});
