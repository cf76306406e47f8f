/**
 * Follows RunService.WatchRuns for the given filters: the list of runs pushed by the controller (no polling), and
 * the state of the connection. Changing the filters reopens the stream; the old list stays until the new one synced.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api/clients.js';
import { follow, type Connection } from '../api/follow.js';
import type { Run } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import type { RunFilters } from './filters.js';
import { WatchedRuns } from './watched-runs.js';

/** How many runs the list asks for first, newest first (the server's default). */
export const RUN_LIST_LIMIT = 200;

export interface WatchedRunList {
  runs: Run[];
  /** False until the controller has sent the current runs once. */
  synced: boolean;
  /** A (re)opened stream is sending the current runs: the list shown is the previous one until it has. */
  catchingUp: boolean;
  connection: Connection;
}

export function useWatchedRuns(filters: RunFilters): WatchedRunList {
  const watched = useMemo(() => new WatchedRuns(), []);
  const [runs, setRuns] = useState<Run[]>([]);
  const [synced, setSynced] = useState(false);
  const [catchingUp, setCatchingUp] = useState(true);
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  const statesKey = filters.states.join(',');
  const tag = filters.tag.trim();
  const module = filters.module.trim();
  useEffect(
    () =>
      follow({
        open: (signal) => {
          watched.startOver();
          setCatchingUp(true);
          return api.runs.watchRuns({ states: filters.states, tag, module, limit: RUN_LIST_LIMIT }, { signal });
        },
        onMessage: (message) => {
          if (!watched.apply(message)) return;
          setRuns(watched.runs());
          setSynced(watched.synced);
          setCatchingUp(watched.catchingUp);
        },
        onConnection: setConnection,
        // The list has no end: a stream the server closed is reopened.
        isDone: () => false,
      }),
    // The states are compared by value (statesKey): a new array with the same states is no reason to reconnect.
    [watched, statesKey, tag, module],
  );
  return { runs, synced, catchingUp, connection };
}
