/** The sim pool over loopback: what a controller process reaches of a pool that another process serves. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type VmTags } from '../connector.js';
import { parseSimPoolUrl, RemoteSimPool } from './remote-sim-pool.js';
import { SimPoolServer } from './sim-pool-server.js';
import type { SimVmStart } from './sim-protocol.js';
import type { SimVm, SimVmHost } from './sim-vm-host.js';

/** A host that keeps VMs in a map (the real pool's workers are exercised by the e2e tests). */
class MapHost implements SimVmHost {
  readonly vms = new Map<string, SimVm>();
  failStart: string | undefined;
  startVm(vm: SimVmStart): Promise<void> {
    if (this.failStart) return Promise.reject(new Error(this.failStart));
    this.vms.set(vm.vmId, { key: vm.key, vmId: vm.vmId, tags: vm.tags });
    return Promise.resolve();
  }
  stopVm(vmId: string): Promise<void> {
    this.vms.delete(vmId);
    return Promise.resolve();
  }
  vm(vmId: string): SimVm | undefined {
    return this.vms.get(vmId);
  }
  list(): SimVm[] {
    return [...this.vms.values()];
  }
}

const tags: VmTags = { controllerId: 'c1', tenant: 't1', runId: 'r1', instance: 'w.1' };
const start = (vmId: string): SimVmStart => ({ key: `r1/${vmId}`, vmId, tags, config: { controller: '127.0.0.1:1' } as SimVmStart['config'], workDir: '/tmp/x' });

describe('SimPoolServer and RemoteSimPool', () => {
  const host = new MapHost();
  let server: SimPoolServer;
  let remote: RemoteSimPool;

  beforeAll(async () => {
    server = await SimPoolServer.start(host);
    remote = new RemoteSimPool(server.url);
  });
  afterAll(() => server?.close());

  it('starts, describes, lists and stops VMs of the served pool', async () => {
    await remote.startVm(start('sim-r1-w.1'));
    await remote.startVm(start('sim-r1-w.2'));
    expect(await remote.vm('sim-r1-w.1')).toEqual({ key: 'r1/sim-r1-w.1', vmId: 'sim-r1-w.1', tags });
    expect((await remote.list()).map((v) => v.vmId)).toEqual(['sim-r1-w.1', 'sim-r1-w.2']);
    await remote.stopVm('sim-r1-w.1');
    expect(await remote.vm('sim-r1-w.1')).toBeUndefined();
    expect([...host.vms.keys()]).toEqual(['sim-r1-w.2']);
  });

  it('reports the pool’s failure as a retryable connector error, and a bad start as invalid naming the field', async () => {
    host.failStart = 'sim worker 1 exited (SIGKILL)';
    const failed = await remote.startVm(start('sim-r1-w.3')).catch((e: unknown) => e);
    host.failStart = undefined;
    expect(failed).toBeInstanceOf(ConnectorError);
    expect(failed).toMatchObject({ kind: 'transient', retryable: true });
    expect((failed as Error).message).toContain('sim worker 1 exited (SIGKILL)');

    const bad = await remote.startVm({ ...start('sim-r1-w.4'), workDir: '' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: 'invalid', retryable: false });
    expect((bad as Error).message).toContain('workDir: must be a non-empty string');
  });

  it('says the pool does not answer when it is gone', async () => {
    const gone = await SimPoolServer.start(new MapHost());
    const url = gone.url;
    await gone.close();
    const failed = await new RemoteSimPool(url).list().catch((e: unknown) => e);
    expect(failed).toMatchObject({ kind: 'transient' });
    expect((failed as Error).message).toMatch(/no answer \(ECONNREFUSED\)/);
  });

  it('accepts only a pool origin as URL', () => {
    expect(parseSimPoolUrl('http://127.0.0.1:4000').port).toBe('4000');
    expect(() => parseSimPoolUrl('127.0.0.1:4000')).toThrow(/not a URL|http:\/\//);
    expect(() => parseSimPoolUrl('https://127.0.0.1:4000')).toThrow('must be an http:// URL');
    expect(() => parseSimPoolUrl('http://127.0.0.1:4000/vms')).toThrow('without a path');
  });
});
