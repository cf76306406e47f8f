import { describe, expect, it } from 'vitest';
import { cli } from '../../testing/cli.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aRun, anEvent, snapshotUpdate, watchYielding } from '../../testing/runs.js';
import { failedPrecondition, notFound } from '../../testing/service-errors.js';
import { run } from './scale.js';

const PROVISIONING = aRun({ state: 'Provisioning', scalable: true });
const NO_URL = async () => Promise.reject(notFound('parameter', 'ss:url.service'));

describe('run scale', () => {
  it('adds instances to a node, printing each one added', async () => {
    const deps = fakeDeps({ runs: { scaleAdd: async () => ({ run: PROVISIONING, instances: ['web.2', 'web.3'] }) } });
    expect(await run(deps, { output: 'table', id: 'r-1', action: 'add', node: 'web', count: 2 })).toBe(0);
    expect(deps.argsOf('runs.scaleAdd')).toEqual([['r-1', 'web', 2]]);
    expect(deps.out()).toBe('web.2\nweb.3\n');
    expect(deps.err()).toBe('adding web.2, web.3; run r-1 is Provisioning\n');
  });

  it('removes the instances given and prints run and instances as JSON', async () => {
    const deps = fakeDeps({ runs: { scaleRemove: async () => ({ run: PROVISIONING, instances: ['web.2'] }) } });
    expect(await run(deps, { output: 'json', id: 'r-1', action: 'remove', instances: ['web.2'] })).toBe(0);
    expect(deps.argsOf('runs.scaleRemove')).toEqual([['r-1', ['web.2']]]);
    expect(JSON.parse(deps.out())).toMatchObject({ run: { id: 'r-1', state: 'Provisioning' }, instances: ['web.2'] });
    expect(deps.err()).toBe('');
  });

  it('maps the command line: add NODE -n K, and one instance by default', async () => {
    const deps = fakeDeps({ runs: { scaleAdd: async () => ({ run: PROVISIONING, instances: ['web.2'] }) } });
    expect(await cli(deps, 'run', 'scale', 'r-1', 'add', 'web', '-n', '3')).toBe(0);
    expect(await cli(deps, 'run', 'scale', 'r-1', 'add', 'web')).toBe(0);
    expect(deps.argsOf('runs.scaleAdd')).toEqual([
      ['r-1', 'web', 3],
      ['r-1', 'web', 1],
    ]);
  });

  it('exits 2 for targets that do not fit the action, calling nothing', async () => {
    const deps = fakeDeps({});
    expect(await cli(deps, 'run', 'scale', 'r-1', 'add', 'web', 'db')).toBe(2);
    expect(await cli(deps, 'run', 'scale', 'r-1', 'remove', 'web')).toBe(2);
    expect(await cli(deps, 'run', 'scale', 'r-1', 'remove', 'web.2', '-n', '1')).toBe(2);
    expect(await cli(deps, 'run', 'scale', 'r-1', 'add', 'web', '-n', '0')).toBe(2);
    const lines = deps.err().split('\n');
    expect(lines).toContain('error: scale add takes one NODE (and -n K for how many instances)');
    expect(lines).toContain("error: scale remove: 'web' is not an instance (expected NODE.N, e.g. web.2)");
    expect(lines).toContain('error: -n is for scale add; scale remove takes the instances to remove');
    expect(deps.err()).toContain('expected a whole number >= 1');
    expect(deps.calls).toEqual([]);
  });

  it('with --wait follows the run from the latest event back to Ready and exits 0', async () => {
    const deps = fakeDeps({
      runs: {
        events: async () => [anEvent(9, 'state', 'Executing -> Ready')],
        scaleAdd: async () => ({ run: PROVISIONING, instances: ['web.2'] }),
        watch: watchYielding(snapshotUpdate(10, { state: 'Provisioning' }), snapshotUpdate(14, { state: 'Ready' })),
        get: async () => aRun({ state: 'Ready', scalable: true }),
        getParameter: NO_URL,
      },
    });
    expect(await run(deps, { output: 'table', id: 'r-1', action: 'add', node: 'web', count: 1, wait: true })).toBe(0);
    expect(deps.calls.map((c) => c.method)).toEqual(['runs.events', 'runs.scaleAdd', 'runs.watch', 'runs.get', 'runs.getParameter']);
    expect(deps.argsOf('runs.watch')[0]?.[1]).toMatchObject({ afterSequence: 9 });
    expect(deps.out()).toMatch(/^web\.2\n[^]*state: Ready\n$/);
  });

  it('exits 1 when the run is not scalable or not Ready', async () => {
    const deps = fakeDeps({ runs: { scaleAdd: async () => Promise.reject(failedPrecondition('run r-1 is not scalable')) } });
    expect(await run(deps, { output: 'table', id: 'r-1', action: 'add', node: 'web', count: 1 })).toBe(1);
    expect(deps.err()).toBe('error: run r-1 is not scalable\n');
    expect(deps.out()).toBe('');
  });
});
