import { describe, expect, it } from 'vitest';
import { cli } from '../../testing/cli.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aRun } from '../../testing/runs.js';
import { permissionDenied } from '../../testing/service-errors.js';
import { run } from './list.js';

const RUNS = [aRun(), aRun({ id: 'r-2', state: 'Aborted', abortMessage: 'timed out', tags: ['nightly'] })];

describe('run list', () => {
  it('lists one line per run', async () => {
    const deps = fakeDeps({ runs: { list: async () => RUNS } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('runs.list')).toEqual([[{ states: undefined, tag: undefined, module: undefined }]]);
    expect(deps.out()).toBe(
      'ID\tMODULE\tSTATE\tCREATED\tOWNER\tTAGS\tABORT\n' +
        'r-1\tapp/web@2\tReady\t2025-01-31T12:00:00Z\talice\t\t\n' +
        'r-2\tapp/web@2\tAborted\t2025-01-31T12:00:00Z\talice\tnightly\ttimed out\n',
    );
  });

  it('passes the filters and prints the runs as JSON', async () => {
    const deps = fakeDeps({ runs: { list: async () => RUNS.slice(1) } });
    expect(await run(deps, { output: 'json', states: ['Aborted', 'Cancelled'], tag: 'nightly', module: 'app/' })).toBe(0);
    expect(deps.argsOf('runs.list')).toEqual([[{ states: ['Aborted', 'Cancelled'], tag: 'nightly', module: 'app/' }]]);
    const printed = JSON.parse(deps.out()) as Record<string, unknown>[];
    expect(printed).toMatchObject([{ id: 'r-2', state: 'Aborted', abortMessage: 'timed out' }]);
    expect(printed[0]).not.toHaveProperty('raw');
  });

  it('collects repeated --state flags', async () => {
    const deps = fakeDeps({ runs: { list: async () => [] } });
    expect(await cli(deps, 'run', 'list', '--state', 'Ready', '--state', 'Done', '--tag', 't')).toBe(0);
    expect(deps.argsOf('runs.list')).toEqual([[{ states: ['Ready', 'Done'], tag: 't', module: undefined }]]);
  });

  it('exits 2 for a state that does not exist, without calling the service', async () => {
    const deps = fakeDeps({});
    expect(await cli(deps, 'run', 'list', '--state', 'Sleeping')).toBe(2);
    expect(deps.err()).toContain("option '--state <state>' argument 'Sleeping' is invalid. expected one of");
    expect(deps.calls).toEqual([]);
  });

  it('exits 4 when the caller may not list runs', async () => {
    const deps = fakeDeps({ runs: { list: async () => Promise.reject(permissionDenied('no role in this tenant')) } });
    expect(await run(deps, { output: 'table' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: no role in this tenant\n');
  });
});
