import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../testing/service-errors.js';
import { run } from './delete.js';

describe('run delete', () => {
  it('deletes the run with --yes and says so on stderr', async () => {
    const deps = fakeDeps({ runs: { delete: async () => undefined } });
    expect(await run(deps, { output: 'table', id: 'r-1', yes: true })).toBe(0);
    expect(deps.argsOf('runs.delete')).toEqual([['r-1']]);
    expect(deps.err()).toBe('deleted run r-1\n');
    expect(deps.out()).toBe('');
  });

  it('prints what it deleted as JSON', async () => {
    const deps = fakeDeps({ runs: { delete: async () => undefined } });
    expect(await run(deps, { output: 'json', id: 'r-1', yes: true })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual({ id: 'r-1', deleted: true });
  });

  it('without --yes deletes nothing and exits 2', async () => {
    const deps = fakeDeps();
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(2);
    expect(deps.calls).toEqual([]);
    expect(deps.err()).toBe('error: run delete removes run r-1 with its events, logs, parameters and reports for good; add --yes to confirm\n');
  });

  it('exits 1 with the controller’s message for a run that is not final', async () => {
    const message = 'run r-1 is Executing; terminate it first, and delete it once it is final';
    const deps = fakeDeps({ runs: { delete: async () => Promise.reject(failedPrecondition(message)) } });
    expect(await run(deps, { output: 'table', id: 'r-1', yes: true })).toBe(1);
    expect(deps.err()).toBe(`error: ${message}\n`);
  });

  it('exits 1 for an unknown run and for a malformed id (with its field)', async () => {
    const unknown = fakeDeps({ runs: { delete: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(unknown, { output: 'table', id: 'r-9', yes: true })).toBe(1);
    expect(unknown.err()).toBe('error: run r-9 not found\n');
    const malformed = fakeDeps({ runs: { delete: async () => Promise.reject(invalidArgument([{ field: 'id', description: 'must be a run id (a UUID)' }])) } });
    expect(await run(malformed, { output: 'table', id: 'nope', yes: true })).toBe(1);
    expect(malformed.err()).toBe('error: invalid argument (1 violation):\n  id: must be a run id (a UUID)\n');
  });

  it('exits 4 when the caller may not delete', async () => {
    const deps = fakeDeps({ runs: { delete: async () => Promise.reject(permissionDenied('DeleteRun needs the deployer role')) } });
    expect(await run(deps, { output: 'table', id: 'r-1', yes: true })).toBe(4);
  });
});
