import { describe, expect, it } from 'vitest';
import * as pb from '../../../../proto/gen/slipstream/v1/clouds.js';
import { cloudFromProto } from '../../../services/clouds.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { invalidArgument, permissionDenied } from '../../testing/service-errors.js';
import { run } from './add.js';

const CREATED = new Date('2025-01-31T12:00:00Z');
const awsEu = cloudFromProto(
  pb.Cloud.create({
    name: 'aws-eu',
    driver: 'ec2',
    settings: { region: 'eu-west-1', zone: 'eu-west-1a' },
    capabilities: { buildImage: true, sshKeys: true, maxParallelProvisioning: 8 },
    createdAt: CREATED,
  }),
);

describe('cloud add', () => {
  it('creates the cloud with its driver and settings and prints it', async () => {
    const deps = fakeDeps({ clouds: { create: async () => awsEu } });
    expect(await run(deps, { output: 'table', name: 'aws-eu', driver: 'ec2', settings: { region: 'eu-west-1' } })).toBe(0);
    expect(deps.argsOf('clouds.create')).toEqual([['aws-eu', 'ec2', { region: 'eu-west-1' }]]);
    expect(deps.out()).toBe(
      'name\taws-eu\ndriver\tec2\ncredential\t\nsettings\tregion=eu-west-1, zone=eu-west-1a\ncreated\t2025-01-31T12:00:00Z\n',
    );
    expect(deps.err()).toBe('');
  });

  it('prints the cloud as JSON, capabilities included', async () => {
    const deps = fakeDeps({ clouds: { create: async () => awsEu } });
    expect(await run(deps, { output: 'json', name: 'aws-eu', driver: 'ec2' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({
      name: 'aws-eu',
      driver: 'ec2',
      settings: { region: 'eu-west-1', zone: 'eu-west-1a' },
      hasCredential: false,
      capabilities: { buildImage: true, sshKeys: true, maxParallelProvisioning: 8 },
      createdAt: '2025-01-31T12:00:00Z',
    });
  });

  it('passes every --set to the service', async () => {
    const deps = fakeDeps({ clouds: { create: async () => awsEu } });
    const argv = ['cloud', 'add', 'aws-eu', '--driver', 'ec2', '--set', 'region=eu-west-1', '--set', 'zone=eu-west-1a'];
    expect(await runCli(argv, deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('clouds.create')).toEqual([['aws-eu', 'ec2', { region: 'eu-west-1', zone: 'eu-west-1a' }]]);
  });

  it('exits 2 for a --set without a value, before calling the controller', async () => {
    const deps = fakeDeps();
    expect(await runCli(['cloud', 'add', 'x', '--driver', 'ec2', '--set', 'region'], deps, () => deps.connect())).toBe(2);
    expect(deps.err()).toContain("option '--set <key=value>' argument 'region' is invalid");
  });

  it('lists the rejected fields and exits 1 on INVALID_ARGUMENT', async () => {
    const rejected = invalidArgument([{ field: 'settings.region', description: 'unknown region' }]);
    const deps = fakeDeps({ clouds: { create: () => Promise.reject(rejected) } });
    expect(await run(deps, { output: 'table', name: 'aws-eu', driver: 'ec2', settings: { region: 'mars' } })).toBe(1);
    expect(deps.err()).toBe('error: invalid argument (1 violation):\n  settings.region: unknown region\n');
    expect(deps.out()).toBe('');
  });

  it('exits 4 with the reason when the caller is no operator admin', async () => {
    const denied = permissionDenied('only operator admins may add clouds');
    const deps = fakeDeps({ clouds: { create: () => Promise.reject(denied) } });
    expect(await run(deps, { output: 'table', name: 'aws-eu', driver: 'ec2' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: only operator admins may add clouds\n');
  });
});
