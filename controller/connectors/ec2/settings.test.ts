import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connector.js';
import { createEc2Driver } from './ec2-driver.js';
import { defaultInstanceType } from './instance-types.js';
import { clientToken, idempotencyTagValue, specTags, vmState } from './instances.js';
import { parseEc2Options, parseEc2Settings } from './settings.js';

const driver = createEc2Driver();
const context = { dataDir: '/nonexistent', log: pino({ level: 'silent' }), credentials: {} };
const fields = (violations: Array<{ field: string }>) => violations.map((v) => v.field);
const failure = (f: () => unknown): unknown => {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('ec2 settings', () => {
  it('accepts a full, valid set and applies defaults', () => {
    const settings = {
      region: 'eu-west-1',
      endpoint: 'https://ec2.eu-west-1.amazonaws.com',
      subnetId: 'subnet-0123456789abcdef0',
      securityGroupIds: 'sg-0123456789abcdef0, sg-12345678',
      keyName: 'ops key',
      instanceType: 't3.micro',
      maxParallel: '4',
    };
    expect(driver.validateSettings(settings)).toEqual([]);
    expect(parseEc2Settings(settings)).toEqual({ ...settings, securityGroupIds: ['sg-0123456789abcdef0', 'sg-12345678'], maxParallel: 4 });
    expect(parseEc2Settings({ region: 'us-gov-west-1' })).toMatchObject({ maxParallel: 10, securityGroupIds: [], endpoint: undefined });
  });

  it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'cn-northwest-1', 'ap-southeast-4', 'us-isob-east-1', 'eusc-de-east-1'])('region %s is valid', (region) => {
    expect(driver.validateSettings({ region })).toEqual([]);
  });

  it('requires a region', () => {
    expect(driver.validateSettings({})).toEqual([{ field: 'settings.region', description: expect.stringContaining('required') }]);
  });

  it('names every bad or unknown setting at once', () => {
    const violations = driver.validateSettings({
      region: 'Europe',
      endpoint: 'ftp://example.com',
      subnetId: 'sub-1',
      securityGroupIds: 'sg-0123456789abcdef0,default',
      keyName: '',
      instanceType: 'large',
      maxParallel: '0',
      zone: 'eu-west-1a',
    });
    expect(fields(violations).sort()).toEqual(
      ['endpoint', 'instanceType', 'keyName', 'maxParallel', 'region', 'securityGroupIds', 'subnetId', 'zone'].map((k) => `settings.${k}`),
    );
    expect(violations.find((v) => v.field === 'settings.zone')!.description).toMatch(/not a setting of the ec2 driver \(known: region, endpoint/);
  });

  it.each(['http://user:pw@127.0.0.1:5000', 'https://x.example/?a=1', 'not a url', 'http://'])('endpoint %s is refused', (endpoint) => {
    expect(fields(driver.validateSettings({ region: 'us-east-1', endpoint }))).toEqual(['settings.endpoint']);
  });

  it('create() refuses bad settings with a message naming the fields', () => {
    const err = failure(() => driver.create({ region: 'nowhere', maxParallel: '-1' }, context));
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).kind).toBe('invalid');
    expect((err as ConnectorError).message).toMatch(/settings\.region .*settings\.maxParallel/);
  });

  it('create() refuses half a key pair or unknown credential fields, naming fields, never values', () => {
    const cases: Array<Record<string, string>> = [{ accessKeyId: 'AKIAEXAMPLEEXAMPLE12' }, { secretAccessKey: 'hunter2-secret' }, { accessKeyID: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: 'hunter2-secret' }];
    for (const credentials of cases) {
      const err = failure(() => driver.create({ region: 'us-east-1' }, { ...context, credentials })) as ConnectorError;
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.kind).toBe('auth');
      expect(err.message).not.toMatch(/AKIAEXAMPLE|hunter2/);
    }
  });

  it('capabilities report maxParallel', async () => {
    const connector = driver.create({ region: 'us-east-1', maxParallel: '3' }, context);
    expect(connector.capabilities()).toEqual({ buildImage: true, sshKeys: true, maxParallelProvisioning: 3 });
    await connector.close();
  });
});

describe('ec2 options', () => {
  it('accepts the known options', () => {
    const options = { instanceType: 'c7gn.16xlarge', subnetId: 'subnet-12345678', securityGroupIds: 'sg-12345678', volumeSizeGB: '30', keyName: 'k' };
    expect(driver.validateOptions(options)).toEqual([]);
    expect(parseEc2Options(options)).toEqual({ ...options, securityGroupIds: ['sg-12345678'], volumeSizeGB: 30 });
  });

  it('names every bad or unknown option', () => {
    const violations = driver.validateOptions({ instanceType: 'T3.MICRO', volumeSizeGB: '0', securityGroupIds: '', region: 'us-east-1' });
    expect(fields(violations).sort()).toEqual(['options.instanceType', 'options.region', 'options.securityGroupIds', 'options.volumeSizeGB']);
    expect(fields(driver.validateOptions({ volumeSizeGB: '16385' }))).toEqual(['options.volumeSizeGB']);
    expect(fields(driver.validateOptions({ volumeSizeGB: '1.5' }))).toEqual(['options.volumeSizeGB']);
  });

  it('does not take inherited object keys for options', () => {
    expect(fields(driver.validateOptions({ constructor: 'x', toString: 'y' })).sort()).toEqual(['options.constructor', 'options.toString']);
  });
});

describe('ec2 instance mapping', () => {
  const spec = {
    tags: { controllerId: 'ctl-1', tenant: 'acme', runId: 'run-1', instance: 'web.1' },
    image: 'ami-12345678',
    options: {},
    agentConfig: { controller: '127.0.0.1:1', runId: 'run-1', instance: 'web.1', bootstrapToken: 't' },
    userData: '',
    idempotencyKey: 'run-1/web.1',
  };

  it('derives a 64-character ClientToken from controller and key', () => {
    const token = clientToken(spec);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(clientToken({ ...spec, idempotencyKey: 'x'.repeat(5000) })).toHaveLength(64);
    expect(clientToken({ ...spec, tags: { ...spec.tags, controllerId: 'ctl-2' } })).not.toBe(token);
    expect(clientToken({ ...spec })).toBe(token);
  });

  it('tags instance and volume with the four slipstream tags, the key and a Name', () => {
    expect(Object.fromEntries(specTags(spec).map((t) => [t.Key, t.Value]))).toEqual({
      Name: 'slipstream run-1 web.1',
      'slipstream:controller': 'ctl-1',
      'slipstream:tenant': 'acme',
      'slipstream:run': 'run-1',
      'slipstream:instance': 'web.1',
      'slipstream:idempotency': 'run-1/web.1',
    });
    expect(idempotencyTagValue('k'.repeat(300))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['pending', 'pending'],
    ['running', 'running'],
    ['stopping', 'stopping'],
    ['stopped', 'stopped'],
    ['shutting-down', 'terminated'],
    ['terminated', 'terminated'],
    [undefined, 'unknown'],
    ['rebooting', 'unknown'],
  ] as const)('EC2 state %s is %s', (name, state) => {
    expect(vmState(name)).toBe(state);
  });

  it.each([
    [undefined, undefined, 't3.micro'],
    [1, 0.5, 't3.nano'],
    [2, 4, 't3.medium'],
    [2, 16, 'r5.large'],
    [4, 16, 't3.xlarge'],
    [4, 20, 'r5.xlarge'],
    [16, undefined, 'm5.4xlarge'],
    [96, 768, 'r5.24xlarge'],
    [128, undefined, undefined],
  ] as const)('cpu %s and ramGB %s default to %s', (cpu, ramGB, type) => {
    expect(defaultInstanceType(cpu, ramGB)).toBe(type);
  });
});
