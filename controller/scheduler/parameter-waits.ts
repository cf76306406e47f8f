import type { RunBus, RunChange } from './run-bus.js';

/** Why a wait ended without a value. */
export type WaitFailure = 'timeout' | 'aborted';

/**
 * Waits until every given key has a value, pushed by the bus (no polling).
 * Subscribe first, then read: a value committed in between is not missed.
 */
export async function waitForValues(
  bus: RunBus,
  runId: string,
  keys: readonly string[],
  read: () => Promise<Map<string, string | null>>,
  options: { timeoutMs: number; signal: AbortSignal; abortMessage: () => Promise<string | undefined> },
): Promise<{ values: Map<string, string> } | { failure: WaitFailure; message: string }> {
  return new Promise((resolve) => {
    const known = new Map<string, string>();
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: { values: Map<string, string> } | { failure: WaitFailure; message: string }) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      options.signal.removeEventListener('abort', onCancel);
      resolve(result);
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
  });
}
