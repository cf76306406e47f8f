import type { Connection } from '../api/follow.js';

const WORDS: Record<Connection['state'], string> = {
  connecting: 'connecting…',
  live: 'live',
  retrying: 'reconnecting',
  ended: 'complete',
  failed: 'stopped',
};

/** A stream's state in a few words, with the reason when it is retrying or stopped. */
export function ConnectionNote({ connection }: { connection: Connection }) {
  const reason = connection.state === 'retrying' || connection.state === 'failed' ? `: ${connection.problem.message}` : '';
  return (
    <span class="connection" data-state={connection.state} role="status">
      {WORDS[connection.state]}
      {reason}
    </span>
  );
}
