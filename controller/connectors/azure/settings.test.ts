import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connector.js';
import { azureVmName, createAzureDriver, parseImage, validateImage } from './azure-driver.js';
import { nicName } from './names.js';
import { parseAzureSettings } from './settings.js';
import { throwawaySshPublicKey } from './ssh-key.js';

const SUB = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const SUBNET = `/subscriptions/${SUB}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/default`;
const valid = { subscriptionId: SUB, resourceGroup: 'slipstream-rg', location: 'westeurope', subnetId: SUBNET };
const fields = (violations: Array<{ field: string }>) => violations.map((v) => v.field);
const driver = createAzureDriver();
const hasSshKeygen = existsSync('/usr/bin/ssh-keygen') || existsSync('/bin/ssh-keygen');

describe('azure driver: settings', () => {
  it('accepts the required settings and every optional one', () => {
    expect(driver.name).toBe('azure');
    expect(driver.validateSettings(valid)).toEqual([]);
    expect(
      driver.validateSettings({
        ...valid,
        vmSize: 'Standard_B2s',
        endpoint: 'https://management.usgovcloudapi.net/',
        authorityHost: 'https://login.microsoftonline.us',
        adminUsername: 'ops_user',
        sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host',
        maxParallel: '4',
      }),
    ).toEqual([]);
  });

  it('names every missing, bad or unknown setting', () => {
    expect(fields(driver.validateSettings({}))).toEqual(['settings.subscriptionId', 'settings.resourceGroup', 'settings.location', 'settings.subnetId']);
    const violations = driver.validateSettings({
      subscriptionId: 'not-a-guid',
      resourceGroup: 'ends.with.dot.',
      location: 'West Europe',
      subnetId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v',
      vmSize: 'B 1',
      endpoint: 'http://management.azure.com',
      authorityHost: 'https://login.example/tenant',
      adminUsername: 'root',
      sshPublicKey: 'ssh-dss AAAA',
      maxParallel: '0',
      region: 'eu',
    });
    expect(fields(violations)).toEqual([
      'settings.subscriptionId',
      'settings.resourceGroup',
      'settings.location',
      'settings.subnetId',
      'settings.vmSize',
      'settings.endpoint',
      'settings.authorityHost',
      'settings.adminUsername',
      'settings.sshPublicKey',
      'settings.maxParallel',
      'settings.region',
    ]);
    expect(violations.find((v) => v.field === 'settings.endpoint')?.description).toContain('https');
    expect(violations.at(-1)?.description).toContain('known: subscriptionId');
    expect(() => driver.create({ ...valid, location: 'x y' }, { dataDir: tmpdir(), log: pino({ level: 'silent' }), credentials: {} })).toThrow(ConnectorError);
  });

  it('fills defaults', () => {
    expect(parseAzureSettings(valid)).toEqual({
      ...valid,
      vmSize: 'Standard_B1s',
      endpoint: 'https://management.azure.com',
      authorityHost: undefined,
      adminUsername: 'slipstream',
      sshPublicKey: undefined,
      maxParallel: 8,
    });
    expect(parseAzureSettings({ ...valid, endpoint: 'https://127.0.0.1:8443/' }).endpoint).toBe('https://127.0.0.1:8443');
  });

  it('names every bad or unknown component option', () => {
    expect(driver.validateOptions({})).toEqual([]);
    expect(driver.validateOptions({ vmSize: 'Standard_D4s_v5', subnetId: SUBNET, osDiskSizeGB: '128' })).toEqual([]);
    expect(fields(driver.validateOptions({ vmSize: '', subnetId: 'default', osDiskSizeGB: '5000', instanceType: 't3.micro' }))).toEqual([
      'options.vmSize',
      'options.subnetId',
      'options.osDiskSizeGB',
      'options.instanceType',
    ]);
    expect(fields(driver.validateOptions({ osDiskSizeGB: '1.5' }))).toEqual(['options.osDiskSizeGB']);
  });
});

describe('azure driver: images', () => {
  it.each([
    ['Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest', { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: 'latest' }],
    ['Debian:debian-12:12-gen2:0.20240211.1654', { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', version: '0.20240211.1654' }],
    [`/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/images/base-2024`, { id: `/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/images/base-2024` }],
    [`/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/base`, { id: `/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/base` }],
    [`/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/base/versions/1.0.2`, { id: `/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/base/versions/1.0.2` }],
  ])('parses %s', (image, reference) => {
    expect(parseImage(image)).toEqual(reference);
    expect(validateImage(image)).toEqual([]);
  });

  it.each([
    'ubuntu',
    'Canonical:ubuntu:22.04',
    'Canonical:ubuntu:22_04:1.2',
    'Canonical::22_04:latest',
    'a:b:c:d:e',
    'ami-0123456789abcdef0',
    '/subscriptions/x/resourceGroups/img/providers/Microsoft.Compute/images/base',
    `/subscriptions/${SUB}/resourceGroups/img/providers/Microsoft.Compute/disks/d1`,
  ])('rejects %s, at the given field', (image) => {
    expect(parseImage(image)).toBeUndefined();
    expect(validateImage(image, 'images.azure-eu')).toEqual([{ field: 'images.azure-eu', description: expect.stringContaining('publisher:offer:sku:version') }]);
  });
});

describe('azure driver: names and keys', () => {
  it('derives stable VM and NIC names from the idempotency key', () => {
    const name = azureVmName('run-1/web.1/attempt');
    expect(name).toMatch(/^ss-[0-9a-f]{20}$/);
    expect(azureVmName('run-1/web.1/attempt')).toBe(name);
    expect(azureVmName('run-1/web.2/attempt')).not.toBe(name);
    expect(nicName(name)).toBe(`${name}-nic`);
  });

  it('makes a throwaway RSA 3072 OpenSSH public key, once per process', async () => {
    const key = await throwawaySshPublicKey();
    expect(await throwawaySshPublicKey()).toBe(key);
    const [type, base64, comment] = key.split(' ');
    expect([type, comment]).toEqual(['ssh-rsa', 'slipstream-throwaway']);
    // RFC 4253: string "ssh-rsa", mpint e, mpint n.
    const blob = Buffer.from(base64!, 'base64');
    const fieldsOf: Buffer[] = [];
    for (let at = 0; at < blob.length; ) {
      const length = blob.readUInt32BE(at);
      fieldsOf.push(blob.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    expect(fieldsOf.map((f) => f.length)).toEqual([7, 3, 385]);
    expect(fieldsOf[0]!.toString()).toBe('ssh-rsa');
    expect(fieldsOf[2]![0]).toBe(0); // the modulus' top bit is set, so a zero byte leads
  });

  it.runIf(hasSshKeygen)('makes a key OpenSSH reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipstream-sshkey-'));
    try {
      await writeFile(join(dir, 'key.pub'), `${await throwawaySshPublicKey()}\n`);
      const { stdout } = await promisify(execFile)('ssh-keygen', ['-l', '-f', join(dir, 'key.pub')]);
      expect(stdout).toMatch(/^3072 SHA256:\S+ slipstream-throwaway \(RSA\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
