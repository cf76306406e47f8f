import { describe, expect, it } from 'vitest';
import * as pb from '../../../../proto/gen/slipstream/v1/clouds.js';
import { cloudFromProto } from '../../../services/clouds.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './get.js';

// A built-in cloud: no creation time, credentials stored.
const local = cloudFromProto(pb.Cloud.create({ name: 'local', driver: 'local', hasCredential: true }));

describe('cloud get', () => {
  it('asks for the named cloud and prints it as field lines', async () => {
    const deps = fakeDeps({ clouds: { get: async () => local } });
    expect(await run(deps, { output: 'table', name: 'local' })).toBe(0);
    expect(deps.argsOf('clouds.get')).toEqual([['local']]);
    expect(deps.out()).toBe('name\tlocal\ndriver\tlocal\ncredential\tyes\nsettings\t\ncreated\t\n');
  });

  it('prints a table on a terminal', async () => {
    const deps = fakeDeps({ clouds: { get: async () => local } }, { isTTY: true });
    expect(await run(deps, { output: 'table', name: 'local' })).toBe(0);
    expect(deps.out()).toBe('name:        local\ndriver:      local\ncredential:  yes\nsettings:\ncreated:\n');
  });

  it('prints JSON', async () => {
    const deps = fakeDeps({ clouds: { get: async () => local } });
    expect(await run(deps, { output: 'json', name: 'local' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({ name: 'local', driver: 'local', settings: {}, hasCredential: true, createdAt: '' });
  });

  it('exits 1 for an unknown cloud', async () => {
    const missing = notFound('cloud', 'nope');
    const deps = fakeDeps({ clouds: { get: () => Promise.reject(missing) } });
    expect(await run(deps, { output: 'table', name: 'nope' })).toBe(1);
    expect(deps.err()).toBe("error: cloud nope not found\n");
    expect(deps.out()).toBe('');
  });
});
