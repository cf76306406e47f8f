import { describe, expect, it } from 'vitest';
import type { RunUpdate } from '../../../services/run-types.js';
import type { InterruptTrap } from '../../deps.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aLogLine, aParameter, aRun, eventUpdate, logLineUpdate, snapshotUpdate, stateChangedUpdate, watchInAttempts, watchYielding } from '../../testing/runs.js';
import { notFound, unauthenticated, unavailable } from '../../testing/service-errors.js';
import { run } from './watch.js';

/** A run that executes, logs a line and ends Done. */
const TO_DONE = watchYielding(
  snapshotUpdate(1, { state: 'Executing' }),
  logLineUpdate(2, aLogLine('web.1', 'deploying')),
  stateChangedUpdate(3, 'Executing', 'Done'),
  snapshotUpdate(3, { state: 'Done' }),
);

/** Reconnect at once; the second gives up after 50 ms without a working stream. */
const QUICK = { giveUpMs: 60_000, backoff: { baseMs: 1, capMs: 5 } };
const QUICK_GIVE_UP = { giveUpMs: 50, backoff: { baseMs: 1, capMs: 5 } };

const URL = aParameter({ key: 'ss:url.service', value: 'http://10.0.0.1:8080' });
const NO_URL = async () => Promise.reject(notFound('parameter', 'ss:url.service'));

describe('run watch', () => {
  it('prints a line per change, then the final state and the service URL, and exits 0 once Done', async () => {
    const deps = fakeDeps({ runs: { watch: TO_DONE, get: async () => aRun({ state: 'Done' }), getParameter: async () => URL } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.watch')).toEqual([['r-1', { afterSequence: undefined, includeLogs: false, signal: undefined }]]);
    expect(deps.argsOf('runs.get')).toEqual([['r-1']]);
    expect(deps.argsOf('runs.getParameter')).toEqual([['r-1', 'ss:url.service']]);
    expect(deps.out()).toBe(
      'run r-1  app/web@2  Executing\n  web.1  -/running\nrun r-1  app/web@2  Done\nstate: Done\nss:url.service: http://10.0.0.1:8080\n',
    );
    expect(deps.err()).toBe('');
  });

  it('asks for log lines with --logs and prints them', async () => {
    const deps = fakeDeps({ runs: { watch: TO_DONE, get: async () => aRun({ state: 'Done' }), getParameter: NO_URL } });
    expect(await run(deps, { output: 'table', id: 'r-1', logs: true })).toBe(0);
    expect(deps.argsOf('runs.watch')).toEqual([['r-1', { afterSequence: undefined, includeLogs: true, signal: undefined }]]);
    expect(deps.out()).toContain('deploying');
    expect(deps.out()).not.toContain('ss:url.service');
  });

  it('prints one JSON object per update with --output json, and nothing else on stdout', async () => {
    const deps = fakeDeps({ runs: { watch: TO_DONE, get: async () => aRun({ state: 'Done' }) } });
    expect(await run(deps, { output: 'json', id: 'r-1' })).toBe(0);
    const updates = deps.out().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(updates).toHaveLength(4);
    expect(updates[0]).toMatchObject({ sequence: 1, snapshot: { id: 'r-1', state: 'Executing' } });
    expect(updates[2]).toEqual({ sequence: 3, time: '2025-01-31T12:00:00.000Z', stateChanged: { from: 'Executing', to: 'Done', abortMessage: '' } });
  });

  it('exits 3 with the abort message when the run ends Aborted', async () => {
    const watch = watchYielding(snapshotUpdate(1, { state: 'Executing' }), snapshotUpdate(2, { state: 'Aborted', abortMessage: 'disk full' }));
    const deps = fakeDeps({ runs: { watch, get: async () => aRun({ state: 'Aborted', abortMessage: 'disk full' }), getParameter: NO_URL } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(3);
    expect(deps.out()).toMatch(/state: Aborted\nabort: disk full\n$/);
  });

  it('prints the run\'s warnings after its abort message and keeps the verdict: 0 for Done, 3 for Aborted', async () => {
    const warnings = ['no report from web.1 (web.1.tar.gz): the controller was out of reach for 10 minutes', 'web.2: no capacity'];
    const done = fakeDeps({ runs: { watch: TO_DONE, get: async () => aRun({ state: 'Done', warnings }), getParameter: NO_URL } });
    expect(await run(done, { output: 'table', id: 'r-1' })).toBe(0);
    expect(done.out()).toMatch(/\nstate: Done\nwarning: no report from web\.1 \(web\.1\.tar\.gz\): the controller was out of reach for 10 minutes\nwarning: web\.2: no capacity\n$/);
    expect(done.err()).toBe('');
    const watch = watchYielding(snapshotUpdate(1, { state: 'Aborted', abortMessage: 'disk full' }));
    const aborted = fakeDeps({ runs: { watch, get: async () => aRun({ state: 'Aborted', abortMessage: 'disk full', warnings: ['web.2: no capacity'] }), getParameter: NO_URL } });
    expect(await run(aborted, { output: 'table', id: 'r-1' })).toBe(3);
    expect(aborted.out()).toMatch(/state: Aborted\nabort: disk full\nwarning: web\.2: no capacity\n$/);
  });

  it('exits 1 when the watch keeps ending before the run is final, once reconnecting gives up', async () => {
    const deps = fakeDeps(
      {
        runs: { watch: watchYielding(snapshotUpdate(0, { state: 'Executing' })), get: async () => aRun({ state: 'Executing' }), getParameter: NO_URL },
      },
      { reconnect: QUICK_GIVE_UP },
    );
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(1);
    expect(deps.argsOf('runs.watch').length).toBeGreaterThan(1);
    expect(deps.err()).toMatch(/error: the watch of run r-1 ended while it is Executing\n$/);
  });

  it('resumes a watch that breaks mid-run after the last update it printed, says so once, and exits with the run\'s verdict', async () => {
    const watch = watchInAttempts(
      { updates: [snapshotUpdate(0, { state: 'Executing' }), eventUpdate(4, 'started deployment')], failure: unavailable('connection dropped') },
      // The replica that answers next repeats update 4 (it is dropped), then the run goes on.
      { updates: [snapshotUpdate(0, { state: 'Executing' }), eventUpdate(4, 'started deployment'), stateChangedUpdate(5, 'Executing', 'Aborted', 'disk full')] },
    );
    const deps = fakeDeps({ runs: { watch, get: async () => aRun({ state: 'Aborted', abortMessage: 'disk full' }), getParameter: NO_URL } }, { reconnect: QUICK });
    expect(await run(deps, { output: 'json', id: 'r-1' })).toBe(3);
    expect(deps.argsOf('runs.watch').map(([, options]) => (options as { afterSequence?: number }).afterSequence)).toEqual([undefined, 4]);
    const sequences = deps.out().trimEnd().split('\n').map((line) => (JSON.parse(line) as { sequence: number }).sequence);
    expect(sequences).toEqual([0, 4, 0, 5]);
    expect(deps.err()).toBe('reconnected: the watch of run r-1 resumed after update 4 (the stream failed (UNAVAILABLE))\n');
  });

  it('reopens a watch that ends early (a replica stopping) and follows the run to Done', async () => {
    const watch = watchInAttempts(
      { updates: [snapshotUpdate(0, { state: 'Executing' }), logLineUpdate(2, aLogLine('web.1', 'deploying'))] },
      { updates: [], failure: unavailable('connection refused') },
      { updates: [snapshotUpdate(0, { state: 'Executing' }), stateChangedUpdate(3, 'Executing', 'Done'), snapshotUpdate(0, { state: 'Done' })] },
    );
    const deps = fakeDeps({ runs: { watch, get: async () => aRun({ state: 'Done' }), getParameter: NO_URL } }, { reconnect: QUICK });
    expect(await run(deps, { output: 'table', id: 'r-1', logs: true })).toBe(0);
    expect(deps.argsOf('runs.watch').map(([, options]) => (options as { afterSequence?: number }).afterSequence)).toEqual([undefined, 2, 2]);
    expect(deps.out().match(/deploying/g)).toHaveLength(1);
    expect(deps.out()).toMatch(/state: Done\n$/);
    expect(deps.err()).toBe('reconnected: the watch of run r-1 resumed after update 2 (the stream ended early)\n');
  });

  it('does not reconnect when the controller refuses the token (exit 4)', async () => {
    const watch = watchInAttempts({ updates: [snapshotUpdate(0, { state: 'Executing' })], failure: unauthenticated() });
    const deps = fakeDeps({ runs: { watch } }, { reconnect: QUICK });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(4);
    expect(deps.argsOf('runs.watch')).toHaveLength(1);
    expect(deps.err()).not.toContain('reconnected');
  });

  it('stops watching on Ctrl-C with exit 130; the run goes on', async () => {
    const interrupt = new AbortController();
    let released = false;
    const trap = (): InterruptTrap => ({ signal: interrupt.signal, release: () => void (released = true) });
    async function* watch(): AsyncIterable<RunUpdate> {
      yield snapshotUpdate(1, { state: 'Executing' });
      interrupt.abort();
      yield stateChangedUpdate(2, 'Executing', 'Ready');
    }
    const deps = fakeDeps({ runs: { watch } }, { trapInterrupt: trap });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(130);
    expect(deps.argsOf('runs.watch')[0]?.[1]).toMatchObject({ signal: interrupt.signal });
    expect(deps.err()).toBe('stopped watching; run r-1 goes on (Ready); stop it with: slipstream run terminate r-1\n');
    expect(released).toBe(true);
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({
      runs: {
        watch: async function* () {
          yield* [];
          throw notFound('run', 'r-9');
        },
      },
    });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
