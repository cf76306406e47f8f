import { describe, expect, it } from 'vitest';
import { waitForValues, type WaitResult } from './parameter-waits.js';
import { RunBus } from './run-bus.js';

const noAbort = async () => undefined;

/** Lets the wait's read (a promise) run. */
const settleReads = () => new Promise((resolve) => setImmediate(resolve));

describe('waitForValues', () => {
  it('settles inside the publish of the value that completes it, before publish returns', async () => {
    const bus = new RunBus();
    const results: WaitResult[] = [];
    waitForValues(bus, 'run-1', ['a:x', 'b:y'], async () => new Map([['a:x', null], ['b:y', 'early']]), { timeoutMs: 0, signal: new AbortController().signal, abortMessage: noAbort }, (r) =>
      results.push(r),
    );
    await settleReads();
    expect(results).toEqual([]);
    bus.publish('run-1', { kind: 'parameters', values: [{ key: 'a:x', value: 'late' }] });
    // Synchronously: the answer is written before the commit that published it acknowledges its sets.
    expect(results).toEqual([{ values: new Map([['a:x', 'late'], ['b:y', 'early']]) }]);
    bus.publish('run-1', { kind: 'parameters', values: [{ key: 'a:x', value: 'again' }] });
    expect(results).toHaveLength(1);
    expect(bus.watchedRuns()).toEqual([]);
  });

  it('does not miss a value committed between its subscribe and its read', async () => {
    const bus = new RunBus();
    const results: WaitResult[] = [];
    waitForValues(
      bus,
      'run-1',
      ['a:x'],
      async () => {
        bus.publish('run-1', { kind: 'parameters', values: [{ key: 'a:x', value: 'meanwhile' }] });
        return new Map([['a:x', null]]);
      },
      { timeoutMs: 0, signal: new AbortController().signal, abortMessage: noAbort },
      (r) => results.push(r),
    );
    await settleReads();
    expect(results).toEqual([{ values: new Map([['a:x', 'meanwhile']]) }]);
  });

  it('ends aborted at once when its session already ended, and when the run is aborted while it waits', async () => {
    const bus = new RunBus();
    const ended = new AbortController();
    ended.abort();
    const results: WaitResult[] = [];
    waitForValues(bus, 'run-1', ['a:x'], async () => new Map([['a:x', null]]), { timeoutMs: 0, signal: ended.signal, abortMessage: noAbort }, (r) => results.push(r));
    expect(results).toEqual([{ failure: 'aborted', message: 'the session ended' }]);
    expect(bus.watchedRuns()).toEqual([]);

    waitForValues(bus, 'run-1', ['a:x'], async () => new Map([['a:x', null]]), { timeoutMs: 0, signal: new AbortController().signal, abortMessage: noAbort }, (r) => results.push(r));
    await settleReads();
    bus.publish('run-1', { kind: 'state', state: 'Executing', epoch: 1, abortMessage: 'db.1 failed' });
    expect(results[1]).toEqual({ failure: 'aborted', message: 'db.1 failed' });
  });

  it('times out after its timeout', async () => {
    const bus = new RunBus();
    const result = await new Promise<WaitResult>((resolve) =>
      waitForValues(bus, 'run-1', ['a:x'], async () => new Map([['a:x', null]]), { timeoutMs: 20, signal: new AbortController().signal, abortMessage: noAbort }, resolve),
    );
    expect(result).toEqual({ failure: 'timeout', message: 'timed out after 20 ms' });
    expect(bus.watchedRuns()).toEqual([]);
  });
});
