import { describe, expect, it } from 'vitest';
import { OutputStream } from '../../../proto/gen/slipstream/v1/runs.js';
import { logEntriesOf } from './agent-log-lines.js';

const line = (outputStream: OutputStream, stream: string) => ({ instance: 'db.1', phase: 'deployment', outputStream, stream, text: 'hi', time: new Date(0) });
const typesOf = (...lines: ReturnType<typeof line>[]) => logEntriesOf({ lines, dropped: 0 }, 'db.1', new Date()).map((e) => e.type);

describe("an agent's log lines are journaled with their stream", () => {
  it('read from the enum first', () => {
    expect(typesOf(line(OutputStream.OUTPUT_STREAM_STDERR, ''), line(OutputStream.OUTPUT_STREAM_STDOUT, 'stderr'))).toEqual(['stderr', 'stdout']);
  });

  it("read from an older agent's text when the enum is unset", () => {
    expect(typesOf(line(OutputStream.OUTPUT_STREAM_UNSPECIFIED, 'stderr'), line(OutputStream.OUTPUT_STREAM_UNSPECIFIED, 'stdout'))).toEqual(['stderr', 'stdout']);
  });
});
