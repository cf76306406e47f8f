import { describe, expect, it } from 'vitest';
import { toVmInfo, vmState } from './instance.js';
import { smallestE2MachineType } from './machine-types.js';
import { instanceName, isSlipstreamName, labelFilter, labelValue, readTags } from './naming.js';
import { checkGcpImage, parseGcpOptions, parseGcpSettings, regionOf } from './settings.js';

describe('gcp settings', () => {
  it('fills in the defaults', () => {
    expect(parseGcpSettings({ project: 'my-project', zone: 'us-central1-a' })).toEqual({
      project: 'my-project',
      zone: 'us-central1-a',
      region: 'us-central1',
      network: 'global/networks/default',
      subnetwork: undefined,
      machineType: 'e2-small',
      externalIp: true,
      endpoint: undefined,
      maxParallel: 8,
    });
  });

  it.each([
    ['http://127.0.0.1:4010', { protocol: 'http', host: '127.0.0.1', port: 4010 }],
    ['https://compute.example.internal', { protocol: 'https', host: 'compute.example.internal', port: 443 }],
    ['http://[::1]:8080/', { protocol: 'http', host: '::1', port: 8080 }],
  ])('parses the endpoint %s', (endpoint, parsed) => {
    expect(parseGcpSettings({ project: 'my-project', zone: 'us-central1-a', endpoint }).endpoint).toEqual(parsed);
  });

  it('knows the region of a zone', () => {
    expect(regionOf('northamerica-northeast1-a')).toBe('northamerica-northeast1');
    expect(regionOf('europe-west1')).toBeUndefined();
  });

  it('parses options: tags are trimmed and deduplicated', () => {
    expect(parseGcpOptions({ tags: ' web, ssh ,web', diskSizeGB: '40' })).toEqual({ machineType: undefined, diskSizeGB: 40, subnetwork: undefined, tags: ['web', 'ssh'] });
  });

  it.each([
    ['projects/debian-cloud/global/images/family/debian-12', true],
    ['projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20240701', true],
    ['https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/family/debian-12', true],
    ['https://compute.googleapis.com/compute/v1/projects/example.com:my-project/global/images/golden', true],
    ['global/images/my-golden-image', true],
    ['debian-12', false],
    ['ami-0abcdef1234567890', false],
    ['projects/debian-cloud/global/images/family/Debian_12', false],
    ['https://evil.example/compute/v1/projects/p-12345/global/images/x', false],
    ['projects/debian-cloud/zones/europe-west1-b/disks/boot', false],
  ])('image %s is valid: %s', (image, valid) => {
    expect(checkGcpImage(image) === undefined).toBe(valid);
  });
});

describe('gcp naming', () => {
  it('derives a stable GCE name from the idempotency key', () => {
    const name = instanceName('run-1/web.1');
    expect(name).toMatch(/^ss-[0-9a-f]{20}$/);
    expect(instanceName('run-1/web.1')).toBe(name);
    expect(instanceName('run-1/web.2')).not.toBe(name);
    expect(isSlipstreamName(name)).toBe(true);
    expect(isSlipstreamName('web-1')).toBe(false);
  });

  it.each([
    ['run-1', 'run-1'],
    ['', ''],
    ['a_b-0', 'a_b-0'],
  ])('keeps the valid label value %j', (value, label) => {
    expect(labelValue(value)).toBe(label);
  });

  it('makes any other value a valid label that differs from every other value', () => {
    const values = ['web.1', 'Web.1', 'web_1', 'Acme Corp', 'ünïcode', 'x'.repeat(100), `${'x'.repeat(99)}y`];
    const labels = values.map(labelValue);
    for (const label of labels) expect(label).toMatch(/^[a-z0-9_-]{0,63}$/);
    expect(new Set(labels).size).toBe(values.length);
    expect(labelValue('web.1')).toMatch(/^web_1-[0-9a-f]{8}$/);
  });

  it('filters by label and reads the exact tags back, from metadata before labels', () => {
    expect(labelFilter({ controllerId: 'ctl-1' })).toBe('(labels.slipstream-controller = "ctl-1")');
    expect(labelFilter({ controllerId: 'ctl-1', runId: 'R' })).toMatch(/^\(labels\.slipstream-controller = "ctl-1"\) \(labels\.slipstream-run = "r-[0-9a-f]{8}"\)$/);
    const instance = {
      labels: { 'slipstream-controller': 'ctl-1', 'slipstream-tenant': 'acme', 'slipstream-run': 'r-0', 'slipstream-instance': 'web_1-00000000' },
      metadata: { items: [{ key: 'slipstream-run', value: 'R' }, { key: 'slipstream-instance', value: 'web.1' }] },
    };
    expect(readTags(instance)).toEqual({ controllerId: 'ctl-1', tenant: 'acme', runId: 'R', instance: 'web.1' });
    expect(readTags({})).toEqual({ controllerId: '', tenant: '', runId: '', instance: '' });
  });
});

describe('gcp machine types and instance states', () => {
  it.each([
    [undefined, undefined, 'e2-micro'],
    [undefined, 2, 'e2-small'],
    [1, undefined, 'e2-medium'],
    [2, 2, 'e2-highcpu-2'],
    [2, 4, 'e2-standard-2'],
    [2, 12, 'e2-highmem-2'],
    [4, 8, 'e2-standard-4'],
    [8, 64, 'e2-highmem-8'],
    [32, 128, 'e2-standard-32'],
    [33, undefined, undefined],
    [2, 256, undefined],
  ])('cpu %s, ramGB %s -> %s', (cpu, ramGB, type) => {
    expect(smallestE2MachineType(cpu, ramGB)).toBe(type);
  });

  it.each([
    ['PROVISIONING', 'pending'],
    ['STAGING', 'pending'],
    ['RUNNING', 'running'],
    ['STOPPING', 'stopping'],
    ['SUSPENDING', 'stopping'],
    ['TERMINATED', 'stopped'],
    ['SUSPENDED', 'stopped'],
    ['REPAIRING', 'unknown'],
    [undefined, 'unknown'],
  ])('status %s is %s', (status, state) => {
    expect(vmState(status)).toBe(state);
  });

  it('reads the external IP before the internal one', () => {
    const nic = { networkIP: '10.0.0.2', accessConfigs: [{ natIP: '203.0.113.9' }] };
    expect(toVmInfo({ name: 'ss-1', status: 'RUNNING', networkInterfaces: [nic] })).toMatchObject({ vmId: 'ss-1', ip: '203.0.113.9', hostname: 'ss-1' });
    expect(toVmInfo({ name: 'ss-1', hostname: 'web.example.internal', networkInterfaces: [{ networkIP: '10.0.0.2' }] })).toMatchObject({ ip: '10.0.0.2', hostname: 'web.example.internal' });
    expect(toVmInfo({ name: 'ss-1' })).not.toHaveProperty('ip');
  });
});
