import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import { outputStreamFromProto } from '../../../common/convert/output-streams.js';
import { clipCodePoints, withoutNul } from '../../domain/runs/agent-text.js';
import { outputGapEntry } from '../../store/journal-output-gap.js';
import type { JournalEntry } from '../../store/repositories/run-journal.js';

/** Longest phase name kept: the journal's subject column holds 160 characters. */
export const MAX_PHASE_CHARS = 160;

/**
 * An agent's log lines as journal entries of `instance` (whatever instance a
 * line names), stamped with the controller's receive time: a VM's clock, or a
 * VM that lies, must not reorder or backdate a run's history. The text is
 * stored whole, each NUL as ␀ (no database stores NUL, and one line that
 * failed would fail the lines stored with it). Lines the agent dropped right
 * before the batch become one gap entry ahead of its lines.
 */
export function logEntriesOf(batch: pb.LogBatch, instance: string, received: Date): JournalEntry[] {
  const entries = batch.lines.map(
    (line): JournalEntry => ({
      kind: 'log',
      type: outputStreamFromProto(line),
      instance,
      subject: phaseOf(line.phase),
      text: withoutNul(line.text),
      time: received,
    }),
  );
  const gap = gapOf(batch, instance, received);
  return gap ? [gap, ...entries] : entries;
}

/** The gap entry of the lines dropped before `batch`; undefined when none were (or an agent sent a count that is none). */
function gapOf(batch: pb.LogBatch, instance: string, received: Date): JournalEntry | undefined {
  const lines = count(batch.dropped);
  if (lines === 0) return undefined;
  // An agent older than the bytes count (or one that lies) sends 0 or nonsense: 0 says 'unknown'.
  return outputGapEntry(instance, phaseOf(batch.droppedPhase), { lines, bytes: count(batch.droppedBytes) }, received);
}

function phaseOf(phase: string): string {
  return clipCodePoints(withoutNul(phase), MAX_PHASE_CHARS);
}

/** A count as sent: negative or not a safe integer (a hostile agent's int64) counts as none. */
function count(value: number): number {
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
