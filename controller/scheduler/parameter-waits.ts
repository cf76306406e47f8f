import type { RunBus, RunChange } from './run-bus.js';

/** Why a wait ended without a value. */
export type WaitFailure = 'timeout' | 'aborted';

export type WaitResult = { values: Map<string, string> } | { failure: WaitFailure; message: string };

/**
 * Waits until every given key has a value, pushed by the bus (no polling).
 * Subscribe first, then read: a value committed in between is not missed.
 *
 * `settle` is called once, with the values or why the wait ended, and in the
 * commit's own announcement when a value completes the wait: the agent's
 * answer is written straight from there, before the set that committed the
 * value is acknowledged, not after a chain of promises. It must not throw
 * (it runs inside the bus's delivery).
 */
export function waitForValues(
  bus: RunBus,
  runId: string,
  keys: readonly string[],
  read: () => Promise<Map<string, string | null>>,
  options: { timeoutMs: number; signal: AbortSignal; abortMessage: () => Promise<string | undefined> },
  settle: (result: WaitResult) => void,
): void {
  const known = new Map<string, string>();
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (result: WaitResult) => {
    if (settled) return;
    settled = true;
    unsubscribe();
    if (timer) clearTimeout(timer);
    options.signal.removeEventListener('abort', onCancel);
    settle(result);
  };
  const checkDone = () => {
    if (keys.every((k) => known.has(k))) finish({ values: new Map(keys.map((k) => [k, known.get(k)!])) });
  };
  const onChange = (change: RunChange) => {
    if (change.kind === 'state' && change.abortMessage) finish({ failure: 'aborted', message: change.abortMessage });
  };
  const onValue = (key: string, value: string) => {
    known.set(key, value);
    checkDone();
  };
  const onCancel = () => finish({ failure: 'aborted', message: 'the session ended' });
  const unsubscribeState = bus.subscribe(runId, onChange, ['state']);
  const unsubscribeKeys = bus.subscribeKeys(runId, keys, onValue);
  const unsubscribe = () => {
    unsubscribeState();
    unsubscribeKeys();
  };
  options.signal.addEventListener('abort', onCancel, { once: true });
  if (options.signal.aborted) return onCancel();
  if (options.timeoutMs > 0) timer = setTimeout(() => finish({ failure: 'timeout', message: `timed out after ${options.timeoutMs} ms` }), options.timeoutMs);
  void (async () => {
    try {
      for (const [key, value] of await read()) if (value !== null && !known.has(key)) known.set(key, value);
      checkDone();
      const abort = settled ? undefined : await options.abortMessage();
      if (abort) finish({ failure: 'aborted', message: abort });
    } catch {
      finish({ failure: 'aborted', message: 'the controller could not read the run' });
    }
  })();
}
