import { describe, expect, it } from 'vitest';
import type { RunListUpdate } from '../../../services/run-types.js';
import type { InterruptTrap } from '../../deps.js';
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

  describe('--watch', () => {
    const HEADER = 'ID\tMODULE\tSTATE\tCREATED\tOWNER\tTAGS\tABORT\n';
    const older = aRun({ id: 'r-1', state: 'Executing' });
    const newer = aRun({ id: 'r-2', state: 'Ready', createdAt: new Date('2025-02-01T00:00:00Z') });
    const line = (id: string, state: string, created = '2025-01-31T12:00:00Z') => `${id}\tapp/web@2\t${state}\t${created}\talice\t\t\n`;

    it('prints the table once the current runs are in, again at each change, newest first; Ctrl-C exits 130', async () => {
      const interrupt = new AbortController();
      let released = false;
      const trap = (): InterruptTrap => ({ signal: interrupt.signal, release: () => void (released = true) });
      async function* watchRuns(): AsyncIterable<RunListUpdate> {
        yield { kind: 'run', run: older };
        yield { kind: 'synced' };
        yield { kind: 'run', run: newer };
        yield { kind: 'removed', id: 'r-1' };
        interrupt.abort();
      }
      const deps = fakeDeps({ runs: { watchRuns } }, { trapInterrupt: trap });
      expect(await cli(deps, 'run', 'list', '--watch', '--state', 'Ready', '--state', 'Executing')).toBe(130);
      expect(deps.argsOf('runs.watchRuns')).toEqual([[{ states: ['Ready', 'Executing'], tag: undefined, module: undefined, signal: interrupt.signal }]]);
      const newerLine = line('r-2', 'Ready', '2025-02-01T00:00:00Z');
      expect(deps.out()).toBe(`${HEADER}${line('r-1', 'Executing')}\n${HEADER}${newerLine}${line('r-1', 'Executing')}\n${HEADER}${newerLine}`);
      expect(released).toBe(true);
    });

    it('clears the screen between tables on a terminal', async () => {
      const interrupt = new AbortController();
      async function* watchRuns(): AsyncIterable<RunListUpdate> {
        yield { kind: 'synced' };
        yield { kind: 'run', run: older };
        interrupt.abort();
      }
      const deps = fakeDeps({ runs: { watchRuns } }, { isTTY: true, trapInterrupt: () => ({ signal: interrupt.signal, release: () => {} }) });
      expect(await run(deps, { output: 'table', watch: true })).toBe(130);
      expect(deps.out()).toContain('\u001b[H\u001b[2J');
    });

    it('prints one JSON object per update, and exits 1 saying so when the controller ends the stream', async () => {
      async function* watchRuns(): AsyncIterable<RunListUpdate> {
        yield { kind: 'run', run: older };
        yield { kind: 'synced' };
        yield { kind: 'removed', id: 'r-1' };
      }
      const deps = fakeDeps({ runs: { watchRuns } });
      expect(await run(deps, { output: 'json', watch: true })).toBe(1);
      const printed = deps.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(printed).toMatchObject([{ run: { id: 'r-1', state: 'Executing' } }, { synced: true }, { removed: 'r-1' }]);
      expect(deps.err()).toMatch(/ended the watch of the run list/);
    });
  });
});
