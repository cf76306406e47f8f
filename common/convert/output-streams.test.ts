import { describe, expect, it } from 'vitest';
import { OutputStream } from '../../proto/gen/slipstream/v1/runs.js';
import { outputStreamFromProto, outputStreamToProto } from './output-streams.js';

describe('log line streams on the wire', () => {
  it('are sent as the enum and, for older readers, as the same text', () => {
    expect(outputStreamToProto('stdout')).toEqual({ outputStream: OutputStream.OUTPUT_STREAM_STDOUT, stream: 'stdout' });
    expect(outputStreamToProto('stderr')).toEqual({ outputStream: OutputStream.OUTPUT_STREAM_STDERR, stream: 'stderr' });
  });

  it('are read from the enum first, whatever the text says', () => {
    expect(outputStreamFromProto({ outputStream: OutputStream.OUTPUT_STREAM_STDERR, stream: '' })).toBe('stderr');
    expect(outputStreamFromProto({ outputStream: OutputStream.OUTPUT_STREAM_STDOUT, stream: 'stderr' })).toBe('stdout');
  });

  it("fall back to an older writer's text when the enum is unset, anything but stderr being stdout", () => {
    expect(outputStreamFromProto({ outputStream: OutputStream.OUTPUT_STREAM_UNSPECIFIED, stream: 'stderr' })).toBe('stderr');
    expect(outputStreamFromProto({ outputStream: OutputStream.OUTPUT_STREAM_UNSPECIFIED, stream: 'stdout' })).toBe('stdout');
    expect(outputStreamFromProto({ outputStream: OutputStream.OUTPUT_STREAM_UNSPECIFIED, stream: 'tty' })).toBe('stdout');
    expect(outputStreamFromProto({ outputStream: 99 as OutputStream, stream: 'stderr' })).toBe('stderr');
  });
});
