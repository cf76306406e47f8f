import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildsImages, type ConnectorError, type VmSpec } from '../connector.js';
import { createSimDriver } from './sim-driver.js';
import type { SimVmHost } from './sim-vm-host.js';

describe('sim driver validation', () => {
  const driver = createSimDriver({ pool: {} as SimVmHost });

  it('has no settings and no options, and names each one given', () => {
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateOptions({})).toEqual([]);
    expect(driver.validateSettings({ region: 'x' })).toEqual([{ field: 'settings.region', description: 'is not a setting of the sim driver (it has none)' }]);
    expect(driver.validateOptions({ instanceType: 'x' })).toEqual([{ field: 'options.instanceType', description: 'is not an option of the sim driver (it has none)' }]);
  });
});

describe('sim driver images', () => {
  it('records images of running sim VMs, boots them for their tenant only, and deletes them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipstream-sim-image-'));
    try {
      const tags = { controllerId: 'ctl-1', tenant: 'acme', runId: 'run-1', instance: 'web.1' };
      const started: string[] = [];
      const pool: SimVmHost = {
        startVm: async (vm) => void started.push(vm.vmId),
        stopVm: async () => {},
        vm: (vmId) => (vmId === 'sim-run-1-web.1' ? { key: 'run-1/web.1', vmId, tags } : undefined),
        list: () => [],
      };
      const connector = createSimDriver({ pool }).create({}, { dataDir, log: pino({ level: 'silent' }), credentials: {} });
      if (!buildsImages(connector)) throw new Error('the sim connector should build images');
      const imageId = await connector.buildImage('sim-run-1-web.1', 'web');
      expect(imageId).toMatch(/^sim-image-[0-9a-f]{16}$/);
      expect(await connector.imageStatus(imageId)).toEqual({ state: 'available' });
      expect(await connector.buildImage('sim-run-9-web.1', 'web').catch((err: ConnectorError) => err.kind)).toBe('not_found');

      const spec = (tenant: string, runId: string): VmSpec => ({
        tags: { ...tags, tenant, runId },
        image: imageId,
        options: {},
        agentConfig: { controller: '127.0.0.1:50051', runId, instance: 'web.1', bootstrapToken: 'sbt_x' },
        idempotencyKey: runId,
        userData: '',
      });
      await connector.provision(spec('acme', 'run-2'));
      expect(started).toEqual(['sim-run-2-web.1']);
      expect(await connector.provision(spec('globex', 'run-3')).catch((err: ConnectorError) => err.message)).toBe(`sim: image ${imageId} does not exist`);

      await connector.deleteImage(imageId);
      expect(await connector.imageStatus(imageId)).toEqual({ state: 'failed', message: `sim: image ${imageId} does not exist` });
      expect(await connector.imageStatus('ami-12345678')).toMatchObject({ state: 'failed' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
