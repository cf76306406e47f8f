import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../services/run-types.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { T0 } from '../../testing/runs.js';
import { dataLoss, notFound } from '../../testing/service-errors.js';
import { run } from './reports.js';

const report = (instance: string, name: string): RunReport => ({ instance, name, sizeBytes: 42, sha256: 'ab'.repeat(32), createdAt: T0 });
const REPORTS = [report('web.1', 'web.1.tar.gz'), report('web.2', '../../etc/..report.tar.gz')];
const downloadReport = async (_id: string, instance: string, name: string) => report(instance, name);

describe('run reports', () => {
  it('downloads each report into reports/<id>/, named after its instance, and prints the paths', async () => {
    const deps = fakeDeps({ runs: { reports: async () => REPORTS, downloadReport } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.reports')).toEqual([['r-1']]);
    const dir = join('reports', 'r-1');
    // The server's name loses any folder part and leading dots: a report never lands outside the directory.
    expect(deps.argsOf('runs.downloadReport')).toEqual([
      ['r-1', 'web.1', 'web.1.tar.gz', join(dir, 'web.1.tar.gz')],
      ['r-1', 'web.2', '../../etc/..report.tar.gz', join(dir, 'web.2-report.tar.gz')],
    ]);
    expect(deps.out()).toBe(`${join(dir, 'web.1.tar.gz')}\n${join(dir, 'web.2-report.tar.gz')}\n`);
  });

  it('saves into --dir and prints what it saved as JSON', async () => {
    const deps = fakeDeps({ runs: { reports: async () => REPORTS.slice(0, 1), downloadReport } });
    expect(await run(deps, { output: 'json', id: 'r-1', dir: '/tmp/out' })).toBe(0);
    expect(JSON.parse(deps.out())).toEqual([
      { instance: 'web.1', name: 'web.1.tar.gz', sizeBytes: 42, sha256: 'ab'.repeat(32), path: '/tmp/out/web.1.tar.gz' },
    ]);
  });

  it('downloads only the reports of --instance', async () => {
    const deps = fakeDeps({ runs: { reports: async () => REPORTS, downloadReport } });
    expect(await run(deps, { output: 'table', id: 'r-1', instance: 'web.2' })).toBe(0);
    expect(deps.argsOf('runs.downloadReport').map(([, instance]) => instance)).toEqual(['web.2']);
    const none = fakeDeps({ runs: { reports: async () => REPORTS, downloadReport } });
    expect(await run(none, { output: 'table', id: 'r-1', instance: 'web.3' })).toBe(0);
    expect(none.err()).toBe('run r-1 has no reports of web.3 (yet)\n');
  });

  it('says so when the run has no reports yet', async () => {
    const deps = fakeDeps({ runs: { reports: async () => [] } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.out()).toBe('');
    expect(deps.err()).toBe('run r-1 has no reports (yet)\n');
  });

  it('exits 1 when a download does not match what the server announced', async () => {
    const deps = fakeDeps({
      runs: { reports: async () => REPORTS, downloadReport: async () => Promise.reject(dataLoss('web.1/web.1.tar.gz: sha256 differs')) },
    });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(1);
    expect(deps.err()).toBe('error: web.1/web.1.tar.gz: sha256 differs\n');
    expect(deps.argsOf('runs.downloadReport')).toHaveLength(1);
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { reports: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
