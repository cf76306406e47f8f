import { describe, expect, it } from 'vitest';
import { cli } from '../../testing/cli.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aLogLine, logLineUpdate, snapshotUpdate, watchInAttempts, watchYielding } from '../../testing/runs.js';
import { notFound, unavailable } from '../../testing/service-errors.js';
import { run } from './logs.js';

const LINES = [aLogLine('web.1', 'deploying'), aLogLine('web.2', 'oops', { stream: 'stderr', phase: 'install' })];
const logs = async () => ({ lines: LINES, lastSequence: 7 });

describe('run logs', () => {
  it('prints the lines so far, one per line', async () => {
    const deps = fakeDeps({ runs: { logs } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.logs')).toEqual([['r-1', { instance: undefined }]]);
    expect(deps.out()).toBe('2025-01-31T12:00:00Z web.1 deployment: deploying\n2025-01-31T12:00:00Z web.2 install (stderr): oops\n');
  });

  it('prints the lines as a JSON array', async () => {
    const deps = fakeDeps({ runs: { logs } });
    expect(await run(deps, { output: 'json', id: 'r-1', instance: 'web.1' })).toBe(0);
    expect(deps.argsOf('runs.logs')).toEqual([['r-1', { instance: 'web.1' }]]);
    expect(JSON.parse(deps.out())).toMatchObject([{ instance: 'web.1', text: 'deploying' }, { instance: 'web.2', stream: 'stderr' }]);
  });

  it('follows new lines after the last one read until the run is final, only of the instance asked for', async () => {
    const watch = watchYielding(
      snapshotUpdate(8, { state: 'Executing' }),
      logLineUpdate(9, aLogLine('web.1', 'still going')),
      logLineUpdate(10, aLogLine('web.2', 'not this one')),
      snapshotUpdate(11, { state: 'Done' }),
    );
    const deps = fakeDeps({ runs: { logs: async () => ({ lines: LINES.slice(0, 1), lastSequence: 7 }), watch } });
    expect(await run(deps, { output: 'table', id: 'r-1', instance: 'web.1', follow: true })).toBe(0);
    // The controller sends only web.1's lines; an older one, which sends all, is filtered here too (web.2's line above).
    expect(deps.argsOf('runs.watch')).toEqual([['r-1', { afterSequence: 7, includeLogs: true, logInstance: 'web.1', signal: undefined }]]);
    expect(deps.out()).toBe('2025-01-31T12:00:00Z web.1 deployment: deploying\n2025-01-31T12:00:00Z web.1 deployment: still going\n');
  });

  it('prints a gap marker as a line of its own, with its counts in JSON, listed or followed', async () => {
    const notice = '[slipstream] 7,400 lines (473.6 kB) of output dropped here; the full output is in the report: slipstream run reports r-1 --instance web.1 (logs/deployment.log)';
    const gap = aLogLine('web.1', notice, { dropped: { lines: 7_400, bytes: 473_600 } });
    const listed = fakeDeps({ runs: { logs: async () => ({ lines: [LINES[0]!, gap], lastSequence: 7 }) } });
    expect(await run(listed, { output: 'table', id: 'r-1' })).toBe(0);
    expect(listed.out().split('\n')[1]).toBe(`2025-01-31T12:00:00Z web.1 deployment: ${notice}`);
    const json = fakeDeps({ runs: { logs: async () => ({ lines: [LINES[0]!, gap], lastSequence: 7 }) } });
    expect(await run(json, { output: 'json', id: 'r-1' })).toBe(0);
    const printed = JSON.parse(json.out()) as Record<string, unknown>[];
    expect(printed[0]).not.toHaveProperty('dropped');
    expect(printed[1]).toMatchObject({ text: notice, dropped: { lines: 7_400, bytes: 473_600 } });
    const watch = watchYielding(logLineUpdate(9, gap), snapshotUpdate(10, { state: 'Done' }));
    const followed = fakeDeps({ runs: { logs: async () => ({ lines: [], lastSequence: 8 }), watch } });
    expect(await run(followed, { output: 'json', id: 'r-1', follow: true })).toBe(0);
    expect(JSON.parse(followed.out())).toMatchObject({ text: notice, dropped: { lines: 7_400, bytes: 473_600 } });
  });

  it('follows as one JSON object per line', async () => {
    const watch = watchYielding(logLineUpdate(9, aLogLine('web.1', 'more')), snapshotUpdate(10, { state: 'Done' }));
    const deps = fakeDeps({ runs: { logs: async () => ({ lines: [], lastSequence: 8 }), watch } });
    expect(await run(deps, { output: 'json', id: 'r-1', follow: true })).toBe(0);
    expect(deps.out().trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toMatchObject([{ instance: 'web.1', text: 'more' }]);
  });

  it('follows on after the last line printed when the watch breaks, printing no line twice', async () => {
    const watch = watchInAttempts(
      { updates: [snapshotUpdate(0, { state: 'Executing' }), logLineUpdate(9, aLogLine('web.1', 'nine'))], failure: unavailable() },
      { updates: [snapshotUpdate(0, { state: 'Executing' }), logLineUpdate(9, aLogLine('web.1', 'nine')), logLineUpdate(10, aLogLine('web.1', 'ten')), snapshotUpdate(0, { state: 'Done' })] },
    );
    const deps = fakeDeps({ runs: { logs: async () => ({ lines: [], lastSequence: 8 }), watch } }, { reconnect: { giveUpMs: 60_000, backoff: { baseMs: 1, capMs: 5 } } });
    expect(await run(deps, { output: 'table', id: 'r-1', follow: true })).toBe(0);
    expect(deps.argsOf('runs.watch').map(([, options]) => (options as { afterSequence: number }).afterSequence)).toEqual([8, 9]);
    expect(deps.out()).toBe('2025-01-31T12:00:00Z web.1 deployment: nine\n2025-01-31T12:00:00Z web.1 deployment: ten\n');
    expect(deps.err()).toBe('reconnected: the watch of run r-1 resumed after update 9 (the stream failed (UNAVAILABLE))\n');
  });

  it('exits 1 when following gives up before the run is final', async () => {
    const watch = watchYielding(snapshotUpdate(0, { state: 'Executing' }));
    const deps = fakeDeps({ runs: { logs: async () => ({ lines: [], lastSequence: 8 }), watch } }, { reconnect: { giveUpMs: 30, backoff: { baseMs: 1, capMs: 5 } } });
    expect(await run(deps, { output: 'table', id: 'r-1', follow: true })).toBe(1);
    expect(deps.err()).toMatch(/error: the watch of run r-1 ended while it is Executing\n$/);
  });

  it('exits 2 for an instance that is not NODE.N, calling nothing', async () => {
    const deps = fakeDeps({});
    expect(await cli(deps, 'run', 'logs', 'r-1', '--instance', 'web')).toBe(2);
    expect(deps.err()).toContain('expected an instance: NODE.N, e.g. web.1');
    expect(deps.calls).toEqual([]);
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { logs: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
