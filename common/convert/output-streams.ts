/**
 * The output stream of a log line between its name and the wire. The wire
 * carries an OutputStream and, for readers older than it, the same name as
 * text in the deprecated `stream` field: writers fill both, readers read the
 * enum first.
 */
import { OutputStream } from '../../proto/gen/slipstream/v1/runs.js';

export type OutputStreamName = 'stdout' | 'stderr';

/** The fields of a LogLine that name its stream. */
export interface OutputStreamFields {
  outputStream: OutputStream;
  stream: string;
}

export function outputStreamToProto(stream: OutputStreamName): OutputStreamFields {
  return { outputStream: stream === 'stderr' ? OutputStream.OUTPUT_STREAM_STDERR : OutputStream.OUTPUT_STREAM_STDOUT, stream };
}

/** The enum when set, else an older writer's text; anything but stderr is stdout, as it always was. */
export function outputStreamFromProto(line: OutputStreamFields): OutputStreamName {
  if (line.outputStream === OutputStream.OUTPUT_STREAM_STDERR) return 'stderr';
  if (line.outputStream === OutputStream.OUTPUT_STREAM_STDOUT) return 'stdout';
  return line.stream === 'stderr' ? 'stderr' : 'stdout';
}
