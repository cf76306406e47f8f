/** Whether the list is live: a dot and a word, announced politely when it changes (role="status"). */
import type { Connection } from '../api/follow.js';

const WORDS: Record<Connection['state'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  retrying: 'Reconnecting…',
  ended: 'Ended',
  failed: 'Not updating',
};

export function ConnectionIndicator({ connection }: { connection: Connection }) {
  const detail = connection.state === 'retrying' ? `${connection.problem.message} Next attempt in ${Math.ceil(connection.inMs / 1000)} s.` : undefined;
  return (
    <span class="connection" role="status" data-state={connection.state} title={detail} data-testid="connection">
      <span class="connection-dot" aria-hidden="true" />
      {WORDS[connection.state]}
    </span>
  );
}
