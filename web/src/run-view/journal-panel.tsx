/** The run's journal: state changes and events (time, actor, type, message), newest first. */
import { memo } from 'preact/compat';
import { useState } from 'preact/hooks';
import { formatMs } from '../components/format.js';
import type { JournalEntry } from './run-store.js';

const SHOWN_AT_FIRST = 200;

/** `changes` is RunStore.changes.journal: a new value re-renders it. */
export const JournalPanel = memo(function JournalPanel({ entries }: { entries: readonly JournalEntry[]; changes: number }) {
  const [all, setAll] = useState(false);
  const shown = entries.slice(all ? 0 : Math.max(0, entries.length - SHOWN_AT_FIRST)).reverse();
  return (
    <div class="journal">
      <div class="table-scroll">
        <table data-testid="journal" data-count={entries.length}>
          <caption class="visually-hidden">Events of the run, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Type</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr key={String(entry.sequence)} data-type={entry.type}>
                <td class="nowrap">{formatMs(entry.time)}</td>
                <td class="mono">{entry.actor || <span class="muted">controller</span>}</td>
                <td>{entry.type}</td>
                <td>{entry.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length === 0 && <p class="muted">No events yet.</p>}
      {!all && entries.length > SHOWN_AT_FIRST && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {entries.length} events
        </button>
      )}
    </div>
  );
});
