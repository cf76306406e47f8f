import { describe, expect, it } from 'vitest';
import { decideLocalVmPlacement, defaultLocalVmDir, LocalVmPlacementError, lookupUser, parsePasswdLine, type VmUser } from './placement.js';

const USERS: Record<string, VmUser> = {
  nobody: { name: 'nobody', uid: 65534, gid: 65534 },
  builder: { name: 'builder', uid: 1001, gid: 1001 },
  '1001': { name: 'builder', uid: 1001, gid: 1001 },
  root: { name: 'root', uid: 0, gid: 0 },
};
const lookup = (name: string) => USERS[name];
const decide = (input: { euid: number; user?: string; vmDir?: string; dataDir?: string }) =>
  decideLocalVmPlacement({ dataDir: '/var/lib/slipstream', ...input }, lookup);
const failure = (input: Parameters<typeof decide>[0]) => {
  try {
    decide(input);
  } catch (err) {
    expect(err).toBeInstanceOf(LocalVmPlacementError);
    return (err as Error).message;
  }
  throw new Error('expected the placement to be refused');
};

describe('local VM placement: not root', () => {
  it('runs VMs as the controller itself, beside their records, unless a vm dir is given', () => {
    expect(decide({ euid: 1000 })).toEqual({ runAs: undefined, workRoot: undefined });
    expect(decide({ euid: 1000, user: '' })).toEqual({ runAs: undefined, workRoot: undefined });
    expect(decide({ euid: 1000, vmDir: '/srv/vms' })).toEqual({ runAs: undefined, workRoot: '/srv/vms' });
  });

  it('refuses --local-user, naming it and why: only root starts processes as another user', () => {
    const message = failure({ euid: 1000, user: 'nobody' });
    expect(message).toMatch(/^local user: /);
    expect(message).toContain("running local VMs as 'nobody' needs a controller running as root (this one runs as uid 1000)");
  });
});

describe('local VM placement: root', () => {
  it('defaults to nobody under <dataDir>-local-vms', () => {
    expect(decide({ euid: 0 })).toEqual({ runAs: USERS.nobody, workRoot: '/var/lib/slipstream-local-vms' });
    expect(defaultLocalVmDir('/var/lib/slipstream/')).toBe('/var/lib/slipstream-local-vms');
  });

  it('takes another user by name or uid, and another folder', () => {
    expect(decide({ euid: 0, user: 'builder', vmDir: '/srv/vms' })).toEqual({ runAs: USERS.builder, workRoot: '/srv/vms' });
    expect(decide({ euid: 0, user: '1001' }).runAs).toEqual(USERS.builder);
  });

  it('fails fast on a user that does not exist, is root, or is not a user name', () => {
    expect(failure({ euid: 0, user: 'ghost' })).toMatch(/^local user: there is no user 'ghost' on this host/);
    expect(failure({ euid: 0, user: 'root' })).toMatch(/^local user: 'root' is uid 0/);
    expect(failure({ euid: 0, user: '--help' })).toMatch(/^local user: '--help' is not a user name or uid/);
  });

  it('refuses a vm dir inside the data dir, which VMs must not reach', () => {
    expect(failure({ euid: 0, vmDir: '/var/lib/slipstream/vms' })).toMatch(/^local vm dir: \/var\/lib\/slipstream\/vms is inside the data dir/);
    expect(failure({ euid: 0, vmDir: '/var/lib/slipstream' })).toMatch(/^local vm dir: /);
    expect(decide({ euid: 0, vmDir: '/var/lib/slipstream-vms' }).workRoot).toBe('/var/lib/slipstream-vms');
  });
});

describe('user lookup', () => {
  it('reads getent passwd lines', () => {
    expect(parsePasswdLine('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin')).toEqual(USERS.nobody);
    expect(parsePasswdLine('broken:x:abc:1::/:/bin/sh')).toBeUndefined();
    expect(parsePasswdLine('')).toBeUndefined();
  });

  it('finds real users of this host, and none for a name that has no account', () => {
    expect(lookupUser('root')).toEqual({ name: 'root', uid: 0, gid: 0 });
    expect(lookupUser('0')).toEqual({ name: 'root', uid: 0, gid: 0 });
    expect(lookupUser('no-such-user-slipstream')).toBeUndefined();
    expect(lookupUser('-x')).toBeUndefined();
  });
});
