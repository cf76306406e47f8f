import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aRun } from '../../testing/runs.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './abort.js';

describe('run abort', () => {
  it('aborts with the message and says which state the run is in', async () => {
    const deps = fakeDeps({ runs: { abort: async () => aRun({ state: 'Executing', abortMessage: 'wrong version' }) } });
    expect(await run(deps, { output: 'table', id: 'r-1', message: 'wrong version' })).toBe(0);
    expect(deps.argsOf('runs.abort')).toEqual([['r-1', 'wrong version']]);
    expect(deps.err()).toBe('aborted run r-1 (Executing): wrong version\n');
    expect(deps.out()).toBe('');
  });

  it('shows the message that won when the run was already aborted', async () => {
    const deps = fakeDeps({ runs: { abort: async () => aRun({ state: 'Executing', abortMessage: 'first one' }) } });
    expect(await run(deps, { output: 'table', id: 'r-1', message: 'second one' })).toBe(0);
    expect(deps.err()).toBe('aborted run r-1 (Executing): first one\n');
  });

  it('clears the abort with --cancel and prints the run as JSON', async () => {
    const deps = fakeDeps({ runs: { cancelAbort: async () => aRun({ state: 'Ready' }) } });
    expect(await run(deps, { output: 'json', id: 'r-1', cancel: true })).toBe(0);
    expect(deps.argsOf('runs.cancelAbort')).toEqual([['r-1']]);
    expect(JSON.parse(deps.out())).toMatchObject({ id: 'r-1', state: 'Ready' });
    expect(deps.err()).toBe('');
  });

  it('exits 2 without a message, or with both a message and --cancel, calling nothing', async () => {
    const deps = fakeDeps({});
    expect(await run(deps, { output: 'table', id: 'r-1', message: '  ' })).toBe(2);
    expect(await run(deps, { output: 'table', id: 'r-1', message: 'why', cancel: true })).toBe(2);
    expect(deps.err()).toBe(
      'error: give a MESSAGE saying why (or --cancel to clear the abort)\nerror: give either a MESSAGE or --cancel, not both\n',
    );
    expect(deps.calls).toEqual([]);
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { abort: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9', message: 'stop' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
