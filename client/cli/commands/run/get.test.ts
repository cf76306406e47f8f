import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aRun } from '../../testing/runs.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './get.js';

const RUN = aRun({ abortMessage: 'disk full', tags: ['blue', 'prod'] });

describe('run get', () => {
  it('prints the run field by field, then one line per instance', async () => {
    const deps = fakeDeps({ runs: { get: async () => RUN } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.get')).toEqual([['r-1']]);
    expect(deps.out()).toBe(
      [
        'id\tr-1',
        'module\tapp/web@2',
        'kind\tapplication',
        'state\tReady',
        'abort\tdisk full',
        'keep running\ton-success',
        'scalable\tno',
        'timeout\t30 min',
        'tags\tblue,prod',
        'default cloud\tlocal',
        'owner\talice',
        'created\t2025-01-31T12:00:00Z',
        'state changed\t2025-01-31T12:00:00Z',
        'finished\t',
        '',
        'INSTANCE\tCLOUD\tVM\tCOMPLETED\tSCALE\tIP\tHOSTNAME\tAGENT\tSTATUS',
        'web.1\tlocal\trunning\t\t\t10.0.0.1\tweb-1\tconnected\t',
        '',
      ].join('\n'),
    );
  });

  it('prints a warning field per warning after the abort, in plain and table form, and none without warnings', async () => {
    const warned = aRun({ warnings: ['no report from web.1 (web.1.tar.gz): timed out', 'web.2: no capacity'] });
    const plain = fakeDeps({ runs: { get: async () => warned } });
    expect(await run(plain, { output: 'table', id: 'r-1' })).toBe(0);
    expect(plain.out()).toContain('state\tReady\nabort\t\nwarning\tno report from web.1 (web.1.tar.gz): timed out\nwarning\tweb.2: no capacity\nkeep running\t');
    const tty = fakeDeps({ runs: { get: async () => warned } }, { isTTY: true });
    expect(await run(tty, { output: 'table', id: 'r-1' })).toBe(0);
    expect(tty.out()).toMatch(/^warning: +no report from web\.1 \(web\.1\.tar\.gz\): timed out$/m);
    expect(tty.out()).toMatch(/^warning: +web\.2: no capacity$/m);
    const quiet = fakeDeps({ runs: { get: async () => aRun() } });
    expect(await run(quiet, { output: 'table', id: 'r-1' })).toBe(0);
    expect(quiet.out()).not.toContain('warning');
  });

  it('prints the run as JSON with domain names and no wire message', async () => {
    const deps = fakeDeps({ runs: { get: async () => aRun({ state: 'Executing', recoveryMode: true }) } });
    expect(await run(deps, { output: 'json', id: 'r-1' })).toBe(0);
    const printed = JSON.parse(deps.out()) as Record<string, unknown>;
    expect(printed).toMatchObject({ id: 'r-1', state: 'Executing', recoveryMode: true, keepRunning: 'on-success', kind: 'application', warnings: [] });
    expect(printed).not.toHaveProperty('raw');
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { get: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
    expect(deps.out()).toBe('');
  });
});
