/**
 * How a state change is kept in the run journal: the row of a `state` event
 * carries the change as data in its `subject` column (JSON `{"from","to"}`),
 * next to the message for people (`Provisioning -> Executing`), so that the
 * watch and the event list read the states, never the message.
 */
import { RUN_STATES, type RunState } from '../../common/runs/states.js';
import type { StateChange } from '../domain/runs/types.js';

/** The fields of a journal row (or entry) that say whether it is a state change and which. */
interface JournalFields {
  kind: string;
  type: string;
  subject: string;
  text: string;
}

/** The `subject` of the journal row that records `change`. */
export function stateChangeSubject(change: StateChange): string {
  return JSON.stringify({ from: change.from, to: change.to });
}

/** The state change a journal row records; undefined for every other row. */
export function stateChangeOf(row: JournalFields): StateChange | undefined {
  if (row.kind !== 'event' || row.type !== 'state') return undefined;
  return row.subject ? fromSubject(row.subject) : fromLegacyText(row.text);
}

function fromSubject(subject: string): StateChange | undefined {
  let data: unknown;
  try {
    data = JSON.parse(subject);
  } catch {
    return undefined;
  }
  const { from, to } = (data ?? {}) as Record<string, unknown>;
  return isState(from) && isState(to) ? { from, to } : undefined;
}

/**
 * Rows written before the subject carried the change (databases from before
 * it) have it only in their message, which was always `From -> To`.
 */
function fromLegacyText(text: string): StateChange | undefined {
  const [from, to, ...rest] = text.split(' -> ');
  return rest.length === 0 && isState(from) && isState(to) ? { from, to } : undefined;
}

function isState(value: unknown): value is RunState {
  return (RUN_STATES as readonly unknown[]).includes(value);
}
