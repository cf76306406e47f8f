import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aRun, anEvent, snapshotUpdate, stateChangedUpdate, watchYielding } from '../../testing/runs.js';
import { notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './terminate.js';

const NO_URL = async () => Promise.reject(notFound('parameter', 'ss:url.service'));

describe('run terminate', () => {
  it('terminates and says which state the run is in now', async () => {
    const deps = fakeDeps({ runs: { terminate: async () => aRun({ state: 'Finalizing' }) } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.terminate')).toEqual([['r-1']]);
    expect(deps.err()).toBe('terminating run r-1 (now Finalizing)\n');
    expect(deps.out()).toBe('');
  });

  it('prints the run as JSON', async () => {
    const deps = fakeDeps({ runs: { terminate: async () => aRun({ state: 'Cancelled' }) } });
    expect(await run(deps, { output: 'json', id: 'r-1' })).toBe(0);
    expect(JSON.parse(deps.out())).toMatchObject({ id: 'r-1', state: 'Cancelled' });
  });

  it('with --wait follows what the terminate caused (after the latest event) and exits 0 once Done', async () => {
    const deps = fakeDeps({
      runs: {
        events: async () => [anEvent(1, 'launch', 'launched'), anEvent(5, 'state', 'Executing -> Ready')],
        terminate: async () => aRun({ state: 'Finalizing' }),
        watch: watchYielding(snapshotUpdate(6, { state: 'Finalizing' }), stateChangedUpdate(7, 'Finalizing', 'Done')),
        get: async () => aRun({ state: 'Done' }),
        getParameter: NO_URL,
      },
    });
    expect(await run(deps, { output: 'table', id: 'r-1', wait: true })).toBe(0);
    expect(deps.calls.map((c) => c.method)).toEqual(['runs.events', 'runs.terminate', 'runs.watch', 'runs.get', 'runs.getParameter']);
    expect(deps.argsOf('runs.watch')).toEqual([['r-1', { afterSequence: 5, includeLogs: false, signal: undefined }]]);
    expect(deps.out()).toMatch(/run r-1 {2}app\/web@2 {2}Done\nstate: Done\n$/);
  });

  it('with --wait exits 3 when the run ends Cancelled, printing the final run as JSON', async () => {
    const deps = fakeDeps({
      runs: {
        events: async () => [],
        terminate: async () => aRun({ state: 'Provisioning' }),
        watch: watchYielding(snapshotUpdate(1, { state: 'Cancelled' })),
        get: async () => aRun({ state: 'Cancelled' }),
      },
    });
    expect(await run(deps, { output: 'json', id: 'r-1', wait: true })).toBe(3);
    expect(deps.argsOf('runs.watch')[0]?.[1]).toMatchObject({ afterSequence: 0 });
    expect(JSON.parse(deps.out())).toMatchObject({ id: 'r-1', state: 'Cancelled' });
  });

  it('exits 4 when the caller may not terminate', async () => {
    const deps = fakeDeps({ runs: { terminate: async () => Promise.reject(permissionDenied('terminating needs the deployer role')) } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: terminating needs the deployer role\n');
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { terminate: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
