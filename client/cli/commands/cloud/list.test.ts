import { describe, expect, it } from 'vitest';
import * as pb from '../../../../proto/gen/slipstream/v1/clouds.js';
import { cloudFromProto } from '../../../services/clouds.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { unauthenticated } from '../../testing/service-errors.js';
import { run } from './list.js';

const clouds = [
  cloudFromProto(pb.Cloud.create({ name: 'local', driver: 'local', hasCredential: true })),
  cloudFromProto(
    pb.Cloud.create({ name: 'aws-eu', driver: 'ec2', settings: { region: 'eu-west-1' }, createdAt: new Date('2025-01-31T12:00:00Z') }),
  ),
];

describe('cloud list', () => {
  it('lists the clouds as tab-separated lines with a header', async () => {
    const deps = fakeDeps({ clouds: { list: async () => clouds } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('clouds.list')).toEqual([[]]);
    expect(deps.out()).toBe(
      'NAME\tDRIVER\tCREDENTIAL\tSETTINGS\tCREATED\nlocal\tlocal\tyes\t\t\naws-eu\tec2\t\tregion=eu-west-1\t2025-01-31T12:00:00Z\n',
    );
  });

  it('prints a table on a terminal', async () => {
    const deps = fakeDeps({ clouds: { list: async () => clouds } }, { isTTY: true });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out().split('\n')).toEqual([
      'NAME    DRIVER  CREDENTIAL  SETTINGS          CREATED',
      'local   local   yes',
      'aws-eu  ec2                 region=eu-west-1  2025-01-31T12:00:00Z',
      '',
    ]);
  });

  it('prints JSON, one object per cloud', async () => {
    const deps = fakeDeps({ clouds: { list: async () => clouds } });
    expect(await run(deps, { output: 'json' })).toBe(0);
    expect((JSON.parse(deps.out()) as { name: string; hasCredential: boolean }[]).map((c) => [c.name, c.hasCredential])).toEqual([
      ['local', true],
      ['aws-eu', false],
    ]);
  });

  it('exits 4 and says to check the token when it is not accepted', async () => {
    const rejected = unauthenticated('token revoked');
    const deps = fakeDeps({ clouds: { list: () => Promise.reject(rejected) } });
    expect(await run(deps, { output: 'table' })).toBe(4);
    expect(deps.err()).toBe('error: not authenticated: token revoked (check the token: slipstream context show)\n');
    expect(deps.out()).toBe('');
  });
});
