/**
 * Keeps a RunStore fed while the page shows the run: the run's updates through WatchRun (resumed from the last
 * sequence on reconnect), its parameters' descriptions once through ListRunParameters, and a second WatchRun with
 * log lines for each instance's last line, started once the stored updates are replayed.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api/clients.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { follow } from '../api/follow.js';
import { RunStore } from './run-store.js';

/**
 * How long the run's stream must be quiet before its replay counts as done, when the controller does not say so with
 * `caught_up` (older controllers): when the log tail starts and the timeline is first derived depend on it, none of the data.
 */
const QUIET_AFTER_REPLAY_MS = 1000;

export interface RunFeed {
  store: RunStore;
  /** Why the parameters' list could not be read, if it could not. */
  parametersProblem: ApiProblem | undefined;
  reloadParameters: () => void;
}

export function useRunFeed(id: string): RunFeed {
  const [store] = useState(() => new RunStore((flush) => requestAnimationFrame(flush)));
  const [, setVersion] = useState(0);
  const [parametersProblem, setParametersProblem] = useState<ApiProblem>();
  const [parametersAsked, setParametersAsked] = useState(0);

  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);

  useEffect(() => {
    let stopTail: (() => void) | undefined;
    let quietTimer: ReturnType<typeof setTimeout> | undefined;
    let lastMessageAt = 0;
    // One timer, moved on when it fires early: a replay of 18,000 updates does not clear and set one per update.
    const whenQuiet = () => {
      const quietFor = performance.now() - lastMessageAt;
      if (quietFor < QUIET_AFTER_REPLAY_MS) {
        quietTimer = setTimeout(whenQuiet, QUIET_AFTER_REPLAY_MS - quietFor);
        return;
      }
      quietTimer = undefined;
      store.assumeCaughtUp();
      startTail(store.lastSequence);
    };
    const startTail = (afterSequence: bigint) => {
      if (stopTail || store.isFinal) return;
      clearTimeout(quietTimer);
      stopTail = follow({
        open: (signal) => api.runs.watchRun({ id, afterSequence: store.lastLogSequence > afterSequence ? store.lastLogSequence : afterSequence, includeLogs: true }, { signal }),
        onMessage: (update) => store.applyLogTail(update),
        isDone: () => store.isFinal,
      });
    };
    const stopRun = follow({
      open: (signal) => api.runs.watchRun({ id, afterSequence: store.lastSequence, includeLogs: false }, { signal }),
      onMessage: (update) => {
        store.apply(update);
        if (stopTail) return;
        if (store.caughtUpSequence !== undefined) startTail(store.caughtUpSequence);
        else {
          lastMessageAt = performance.now();
          quietTimer ??= setTimeout(whenQuiet, QUIET_AFTER_REPLAY_MS);
        }
      },
      onConnection: (connection) => store.setConnection(connection),
      isDone: () => store.isFinal,
    });
    return () => {
      clearTimeout(quietTimer);
      stopRun();
      stopTail?.();
    };
  }, [store, id]);

  useEffect(() => {
    const stop = new AbortController();
    api.runs.listRunParameters({ id, prefix: '' }, { signal: stop.signal }).then(
      (res) => {
        setParametersProblem(undefined);
        store.seedParameters(res.parameters);
      },
      (err: unknown) => {
        if (!stop.signal.aborted) setParametersProblem(problemOf(err));
      },
    );
    return () => stop.abort();
  }, [store, id, parametersAsked]);

  const reloadParameters = useCallback(() => setParametersAsked((n) => n + 1), []);
  return { store, parametersProblem, reloadParameters };
}
