/**
 * How a gap in an instance's output is kept in the run journal: a `log` row
 * of type `dropped` (where an output line's type is its stream), its phase
 * in `subject` like a line's, and the counts as data in `text` (JSON
 * `{"lines","bytes"}`). The notice people read is written when the row is
 * served (common/runs/output-gap.ts), so that it names the run and can be
 * worded anew without touching stored rows.
 */
import type { JournalEntry } from './repositories/run-journal.js';

/** The journal type of a gap row. */
export const OUTPUT_GAP_TYPE = 'dropped';

/** What a gap row counts. */
export interface OutputGapCounts {
  lines: number;
  bytes: number;
}

/** The fields of a journal row (or entry) that say whether it is a gap and how large. */
interface JournalFields {
  kind: string;
  type: string;
  text: string;
}

/** The journal entry of a gap of `counts` in `instance`'s output of `phase`. */
export function outputGapEntry(instance: string, phase: string, counts: OutputGapCounts, time: Date): JournalEntry {
  return { kind: 'log', type: OUTPUT_GAP_TYPE, instance, subject: phase, text: JSON.stringify(counts), time };
}

/** The counts of a gap row; undefined for every other row (and for a gap row that does not parse). */
export function outputGapOf(row: JournalFields): OutputGapCounts | undefined {
  if (row.kind !== 'log' || row.type !== OUTPUT_GAP_TYPE) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(row.text);
  } catch {
    return undefined;
  }
  const { lines, bytes } = (data ?? {}) as Record<string, unknown>;
  return isCount(lines) && isCount(bytes) ? { lines, bytes } : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
