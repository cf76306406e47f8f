import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import { outputStreamFromProto } from '../../../common/convert/output-streams.js';
import { clipCodePoints, withoutNul } from '../../domain/runs/agent-text.js';
import type { JournalEntry } from '../../store/repositories/run-journal.js';

/** Longest phase name kept: the journal's subject column holds 160 characters. */
export const MAX_PHASE_CHARS = 160;

/**
 * An agent's log lines as journal entries of `instance` (whatever instance a
 * line names), stamped with the controller's receive time: a VM's clock, or a
 * VM that lies, must not reorder or backdate a run's history. The text is
 * stored whole, each NUL as ␀ (no database stores NUL, and one line that
 * failed would fail the lines stored with it).
 */
export function logEntriesOf(batch: pb.LogBatch, instance: string, received: Date): JournalEntry[] {
  return batch.lines.map((line) => ({
    kind: 'log' as const,
    type: outputStreamFromProto(line),
    instance,
    subject: clipCodePoints(withoutNul(line.phase), MAX_PHASE_CHARS),
    text: withoutNul(line.text),
    time: received,
  }));
}
