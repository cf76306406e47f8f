import { describe, expect, it } from 'vitest';
import * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import type { RunUpdate } from '../../services/run-types.js';
import { followRun, type WatchFn } from '../run-follow.js';
import { CapturedStream } from '../test-io.js';

const S = pb.RunState;

// Escape sequences in the output, built from strings (a control character in a regex literal reads as a typo).
const ESC = '\u001b';
const ESCAPE_OR_NEWLINE = new RegExp(`(${ESC}\\[[0-9]*[A-Za-z]|\n)`);
const ESCAPE = new RegExp(`^${ESC}\\[([0-9]*)([A-Za-z])$`);
/** Splits output before each cursor-up, i.e. into the frames drawn. */
const frames = (output: string): string[] => output.split(new RegExp(`(?=${ESC}\\[\\d+A)`));

// A fake stream of WatchRunResponse, as the controller sends them.
const snapshot = (state: pb.RunState, instances: Partial<pb.NodeInstance>[], extra: Partial<pb.Run> = {}): RunUpdate => ({
  sequence: 0,
  time: new Date(1_000),
  update: {
    $case: 'snapshot',
    value: pb.Run.fromPartial({ id: 'r1', module: { path: 'app/web', version: 2 }, state, nodes: [{ name: 'web', instances }], ...extra }),
  },
});
const stateChanged = (sequence: number, from: pb.RunState, to: pb.RunState): RunUpdate => ({
  sequence,
  update: { $case: 'stateChanged', value: { from, to, abortMessage: '' } },
});
const param = (sequence: number, key: string, value: string): RunUpdate => ({
  sequence,
  update: { $case: 'parameterChanged', value: pb.RunParameter.fromPartial({ key, value, set: true }) },
});
const log = (sequence: number, instance: string, text: string): RunUpdate => ({
  sequence,
  update: { $case: 'logLine', value: pb.LogLine.fromPartial({ instance, phase: 'deployment', stream: 'stdout', text, time: new Date(1_000) }) },
});
const event = (sequence: number, type: string, message: string): RunUpdate => ({
  sequence,
  update: { $case: 'event', value: pb.RunEvent.fromPartial({ sequence, actor: 'agent:web.1', type, message, time: new Date(1_000) }) },
});

const web = (index: number, fields: Partial<pb.NodeInstance> = {}): Partial<pb.NodeInstance> => ({
  name: `web.${index}`,
  index,
  vmState: 'pending',
  ...fields,
});

/** A launch that goes to Ready, with statecustom, logs and an event on the way. */
const LAUNCH: RunUpdate[] = [
  snapshot(S.RUN_STATE_PROVISIONING, [web(1), web(2)]),
  param(3, 'web.1:vmstate', 'running'),
  param(4, 'web.2:vmstate', 'running'),
  param(5, 'web.1:hostname', 'localhost'),
  stateChanged(6, S.RUN_STATE_PROVISIONING, S.RUN_STATE_EXECUTING),
  param(7, 'web.1:complete', 'Provisioning@0'),
  param(8, 'web.2:complete', 'Provisioning@0'),
  snapshot(S.RUN_STATE_EXECUTING, [
    web(1, { vmState: 'running', completedState: S.RUN_STATE_PROVISIONING }),
    web(2, { vmState: 'running', completedState: S.RUN_STATE_PROVISIONING }),
  ]),
  log(9, 'web.1', 'installing nginx'),
  param(10, 'web.1:statecustom', 'hello'),
  log(11, 'web.2', 'a very long line that does not fit'),
  event(12, 'report', 'report web.1.tar.gz uploaded'),
  stateChanged(13, S.RUN_STATE_EXECUTING, S.RUN_STATE_READY),
  snapshot(S.RUN_STATE_READY, [
    web(1, { vmState: 'running', completedState: S.RUN_STATE_SENDING_REPORTS, stateCustom: 'hello' }),
    web(2, { vmState: 'running', completedState: S.RUN_STATE_SENDING_REPORTS }),
  ]),
  event(14, 'never', 'after Ready: must not be read'),
];

/** A watch over fixed updates that records how far it was read and whether it was closed. */
function fakeWatch(updates: RunUpdate[], opts: { hangAtEnd?: boolean } = {}) {
  const seen = { read: 0, closed: false, options: undefined as unknown };
  const watch: WatchFn = (_id, options) => {
    seen.options = options;
    return (async function* () {
      try {
        for (const u of updates) {
          seen.read++;
          yield u;
        }
        if (opts.hangAtEnd) {
          await new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(new Error('CANCELLED'))));
        }
      } finally {
        seen.closed = true;
      }
    })();
  };
  return { watch, seen };
}

/**
 * A minimal terminal: applies text, newlines, cursor-up (ESC[nA), clear-line
 * (ESC[2K) and clear-below (ESC[J) to a screen, and fails on anything else.
 */
function terminal(output: string): string[] {
  const screen: string[] = [];
  let row = 0;
  const tokens = output.split(ESCAPE_OR_NEWLINE).filter((t) => t !== '');
  for (const token of tokens) {
    const esc = ESCAPE.exec(token);
    if (token === '\n') row++;
    else if (esc?.[2] === 'A') row = Math.max(0, row - Number(esc[1] || '1'));
    else if (esc?.[2] === 'K' && esc[1] === '2') screen[row] = '';
    else if (esc?.[2] === 'J' && esc[1] === '') screen.length = Math.min(screen.length, row);
    else if (esc) throw new Error(`unexpected escape ${JSON.stringify(token)}`);
    else screen[row] = (screen[row] ?? '') + token;
  }
  return screen.map((line) => line ?? '');
}

describe('the live view of run launch --wait', () => {
  it('on a terminal, redraws one frame in place and ends on the Ready snapshot', async () => {
    const out = new CapturedStream();
    const { watch, seen } = fakeWatch(LAUNCH);
    const result = await followRun(watch, {
      runId: 'r1',
      until: 'settled',
      includeLogs: true,
      view: { out, redraw: true, redrawIntervalMs: 0 },
    });
    expect(result.interrupted).toBe(false);
    expect(result.model.state).toBe('Ready');
    expect(seen.read).toBe(LAUNCH.length - 1);
    expect(seen.closed).toBe(true);
    expect(seen.options).toMatchObject({ includeLogs: true, afterSequence: undefined });

    expect(out.text()).toContain(`${ESC}[`);
    expect(terminal(out.text())).toEqual([
      'run r1  app/web@2  Ready',
      'INSTANCE  COMPLETED/VM            STATUS  LAST LOG',
      'web.1     SendingReports/running  hello   installing nginx',
      'web.2     SendingReports/running          a very long line that does not fit',
    ]);
  });

  it('moves up exactly the lines it drew, so a shorter frame leaves nothing behind', async () => {
    const out = new CapturedStream();
    const aborted = 'web.2: deployment script app/web@2 failed with exit code 3';
    const updates = [
      snapshot(S.RUN_STATE_EXECUTING, [web(1, { vmState: 'running' }), web(2, { vmState: 'running' })]),
      param(3, 'ss:abort', aborted),
      // A scale-in-like snapshot with one instance less than the frame shows.
      snapshot(S.RUN_STATE_ABORTED, [], { abortMessage: aborted }),
    ];
    const { watch } = fakeWatch(updates);
    const result = await followRun(watch, { runId: 'r1', until: 'settled', includeLogs: false, view: { out, redraw: true, redrawIntervalMs: 0 } });
    expect(result.model.abortMessage).toBe(aborted);
    const drawn = frames(out.text());
    expect(drawn).toHaveLength(3);
    expect(drawn[1]!.startsWith(`${ESC}[4A`)).toBe(true); // header + titles + 2 instances
    expect(drawn[2]!.startsWith(`${ESC}[5A`)).toBe(true); // + the abort line
    expect(terminal(out.text()).slice(0, 2)).toEqual(['run r1  app/web@2  Aborted', `abort: ${aborted}`]);
  });

  it('fits the frame to the terminal: lines cut to its width, the frame to its height, control characters blanked', async () => {
    const out = new CapturedStream();
    const updates = [
      snapshot(S.RUN_STATE_EXECUTING, [1, 2, 3, 4, 5].map((i) => web(i, { vmState: 'running' }))),
      log(3, 'web.1', 'progress\r50%\u001b[31m red, and then a lot more text than fits'),
    ];
    const { watch } = fakeWatch(updates);
    await followRun(watch, {
      runId: 'r1',
      until: 'final',
      includeLogs: true,
      view: { out, redraw: true, redrawIntervalMs: 0, terminalSize: () => ({ columns: 60, rows: 5 }) },
    });
    const screen = terminal(out.text());
    expect(screen).toHaveLength(4);
    expect(screen.every((line) => line.length <= 59)).toBe(true);
    expect(screen[2]).toBe(`web.1     -/running${' '.repeat(13)}progress 50% [31m red, and then a lot`.slice(0, 59));
    expect(screen[3]).toBe('... 4 more line(s)');
  });

  it('coalesces a burst of updates into one redraw per interval, drawing the last one on close', async () => {
    const out = new CapturedStream();
    const { watch } = fakeWatch(LAUNCH);
    await followRun(watch, { runId: 'r1', until: 'settled', includeLogs: true, view: { out, redraw: true, redrawIntervalMs: 60_000 } });
    expect(frames(out.text())).toHaveLength(2);
    expect(terminal(out.text())[0]).toBe('run r1  app/web@2  Ready');
  });

  it('elsewhere, prints plain lines only when the state, an instance or an event changes', async () => {
    const out = new CapturedStream();
    const { watch } = fakeWatch(LAUNCH);
    const result = await followRun(watch, {
      runId: 'r1',
      until: 'settled',
      includeLogs: false,
      view: { out, redraw: false },
    });
    expect(result.model.state).toBe('Ready');
    expect(out.text()).not.toContain(ESC);
    expect(out.text().split('\n')).toEqual([
      'run r1  app/web@2  Provisioning',
      '  web.1  -/pending',
      '  web.2  -/pending',
      '  web.1  -/running',
      '  web.2  -/running',
      'run r1  app/web@2  Executing',
      '  web.1  Provisioning/running',
      '  web.2  Provisioning/running',
      '  web.1  Provisioning/running  hello',
      'event agent:web.1 report: report web.1.tar.gz uploaded',
      'run r1  app/web@2  Ready',
      '  web.1  SendingReports/running  hello',
      '  web.2  SendingReports/running',
      '',
    ]);
  });

  it('with logs (run watch --logs), adds log lines and follows a Ready run until it is final', async () => {
    const out = new CapturedStream();
    const updates = [...LAUNCH.slice(0, -1), stateChanged(15, S.RUN_STATE_READY, S.RUN_STATE_FINALIZING), snapshot(S.RUN_STATE_DONE, [])];
    const { watch, seen } = fakeWatch(updates);
    const result = await followRun(watch, { runId: 'r1', until: 'final', includeLogs: true, view: { out, redraw: false, logs: true } });
    expect(seen.read).toBe(updates.length);
    expect(result.model.state).toBe('Done');
    expect(out.text()).toContain('log 1970-01-01T00:00:01Z web.1 deployment: installing nginx\n');
    expect(out.text()).toMatch(/ {2}web\.2 {2}SendingReports\/running\nrun r1 {2}app\/web@2 {2}Finalizing\nrun r1 {2}app\/web@2 {2}Done\n$/);
  });

  it('stops on Ctrl-C without an error, reporting the interruption', async () => {
    const out = new CapturedStream();
    const interrupt = new AbortController();
    const { watch, seen } = fakeWatch(LAUNCH.slice(0, 3), { hangAtEnd: true });
    const following = followRun(watch, { runId: 'r1', until: 'settled', includeLogs: false, signal: interrupt.signal, view: { out, redraw: false } });
    await new Promise((resolve) => setImmediate(resolve));
    interrupt.abort();
    const result = await following;
    expect(result).toMatchObject({ interrupted: true });
    expect(result.model.state).toBe('Provisioning');
    expect(seen.closed).toBe(true);
  });

  it('rethrows stream errors that were not an interruption', async () => {
    const watch: WatchFn = () =>
      (async function* () {
        yield LAUNCH[0]!;
        throw new Error('UNAVAILABLE');
      })();
    await expect(followRun(watch, { runId: 'r1', until: 'settled', includeLogs: false })).rejects.toThrow('UNAVAILABLE');
  });
});
