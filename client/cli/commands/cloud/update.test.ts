import { describe, expect, it } from 'vitest';
import * as pb from '../../../../proto/gen/slipstream/v1/clouds.js';
import { cloudFromProto } from '../../../services/clouds.js';
import { runCli } from '../../program.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { failedPrecondition, permissionDenied } from '../../testing/service-errors.js';
import { run } from './update.js';

const updated = cloudFromProto(
  pb.Cloud.create({ name: 'aws-eu', driver: 'ec2', settings: { region: 'eu-central-1' }, createdAt: new Date('2025-01-31T12:00:00Z') }),
);

describe('cloud update', () => {
  it('replaces the settings and prints the cloud', async () => {
    const deps = fakeDeps({ clouds: { update: async () => updated } });
    expect(await run(deps, { output: 'table', name: 'aws-eu', settings: { region: 'eu-central-1' } })).toBe(0);
    expect(deps.argsOf('clouds.update')).toEqual([['aws-eu', { region: 'eu-central-1' }]]);
    expect(deps.out()).toBe('name\taws-eu\ndriver\tec2\ncredential\t\nsettings\tregion=eu-central-1\ncreated\t2025-01-31T12:00:00Z\n');
  });

  it('prints JSON', async () => {
    const deps = fakeDeps({ clouds: { update: async () => updated } });
    expect(await run(deps, { output: 'json', name: 'aws-eu', settings: { region: 'eu-central-1' } })).toBe(0);
    expect(JSON.parse(deps.out())).toMatchObject({ name: 'aws-eu', settings: { region: 'eu-central-1' } });
  });

  it('clears the settings when no --set is given', async () => {
    const deps = fakeDeps({ clouds: { update: async () => updated } });
    expect(await runCli(['cloud', 'update', 'aws-eu'], deps, () => deps.connect())).toBe(0);
    expect(deps.argsOf('clouds.update')).toEqual([['aws-eu', {}]]);
  });

  it('exits 1 for a built-in cloud, whose settings are configured, not stored', async () => {
    const builtIn = failedPrecondition("cloud 'local' is built in");
    const deps = fakeDeps({ clouds: { update: () => Promise.reject(builtIn) } });
    expect(await run(deps, { output: 'table', name: 'local', settings: {} })).toBe(1);
    expect(deps.err()).toBe("error: cloud 'local' is built in\n");
    expect(deps.out()).toBe('');
  });

  it('exits 4 for a caller who is no operator admin', async () => {
    const denied = permissionDenied('operator admins only');
    const deps = fakeDeps({ clouds: { update: () => Promise.reject(denied) } });
    expect(await run(deps, { output: 'table', name: 'aws-eu', settings: {} })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: operator admins only\n');
  });
});
