import { describe, expect, it } from 'vitest';
import { LogBatch } from '../../../proto/gen/slipstream/v1/agent.js';
import { LogLine, OutputStream } from '../../../proto/gen/slipstream/v1/runs.js';
import { outputGapOf } from '../../store/journal-output-gap.js';
import { logEntriesOf } from './agent-log-lines.js';

const line = (outputStream: OutputStream, stream: string, text = 'hi') => LogLine.fromPartial({ instance: 'db.1', phase: 'deployment', outputStream, stream, text, time: new Date(0) });
const entriesOf = (batch: Partial<LogBatch>) => logEntriesOf(LogBatch.fromPartial(batch), 'db.1', new Date());
const typesOf = (...lines: LogLine[]) => entriesOf({ lines }).map((e) => e.type);

describe("an agent's log lines are journaled with their stream", () => {
  it('read from the enum first', () => {
    expect(typesOf(line(OutputStream.OUTPUT_STREAM_STDERR, ''), line(OutputStream.OUTPUT_STREAM_STDOUT, 'stderr'))).toEqual(['stderr', 'stdout']);
  });

  it("read from an older agent's text when the enum is unset", () => {
    expect(typesOf(line(OutputStream.OUTPUT_STREAM_UNSPECIFIED, 'stderr'), line(OutputStream.OUTPUT_STREAM_UNSPECIFIED, 'stdout'))).toEqual(['stderr', 'stdout']);
  });
});

describe('lines the agent dropped before a batch', () => {
  const stdout = (text: string) => line(OutputStream.OUTPUT_STREAM_STDOUT, 'stdout', text);

  it('become one gap entry ahead of the batch’s lines, with their counts and phase', () => {
    const entries = entriesOf({ lines: [stdout('after the gap')], dropped: 7_412, droppedBytes: 474_368, droppedPhase: 'deployment' });
    expect(entries.map((e) => [e.type, e.subject])).toEqual([
      ['dropped', 'deployment'],
      ['stdout', 'deployment'],
    ]);
    expect(outputGapOf(entries[0]!)).toEqual({ lines: 7_412, bytes: 474_368 });
    expect(outputGapOf(entries[1]!)).toBeUndefined();
  });

  it('make a gap of unknown bytes when an older agent counted lines only', () => {
    const [gap] = entriesOf({ lines: [], dropped: 3 });
    expect(outputGapOf(gap!)).toEqual({ lines: 3, bytes: 0 });
  });

  it('make no gap when none were dropped, or the count is nonsense', () => {
    for (const dropped of [0, -5, Number.MAX_SAFE_INTEGER + 2]) {
      expect(entriesOf({ lines: [stdout('x')], dropped, droppedBytes: 10 }).map((e) => e.type)).toEqual(['stdout']);
    }
    expect(outputGapOf(entriesOf({ lines: [], dropped: 2, droppedBytes: -1 })[0]!)).toEqual({ lines: 2, bytes: 0 });
  });
});
