/**
 * One instance's log, followed live: every line from the start of the run, then new ones as they are printed. The
 * view keeps to the newest line until the reader scrolls up, and comes back to it on request. A gap marker (lines the
 * controller dropped because they came too fast) is shown as a gap, not as output of the script.
 */
import { memo } from 'preact/compat';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { OutputStream, type LogLine } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { api } from '../api/clients.js';
import { follow, type Connection } from '../api/follow.js';
import { countOf, formatMs } from '../components/format.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';

/** Lines kept in the page; older ones are dropped from view (the report has the whole log). */
const MOST_KEPT = 5000;

interface ShownLine {
  sequence: bigint;
  text: string;
  time: number;
  phase: string;
  stderr: boolean;
  droppedLines: bigint;
}

export interface InstanceLogProps {
  runId: string;
  instance: string;
  /** The run is final: its log is complete and the stream is not reopened when it ends. */
  isFinal: () => boolean;
}

export const InstanceLog = memo(function InstanceLog({ runId, instance, isFinal }: InstanceLogProps) {
  const lines = useRef<ShownLine[]>([]);
  const trimmed = useRef(0);
  const [, setVersion] = useState(0);
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  const [stuck, setStuck] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    lines.current = [];
    trimmed.current = 0;
    setStuck(true);
    let last = 0n;
    let frame: number | undefined;
    const render = () => {
      frame ??= requestAnimationFrame(() => {
        frame = undefined;
        setVersion((n) => n + 1);
      });
    };
    const stop = follow({
      open: (signal) => api.runs.watchRun({ id: runId, afterSequence: last, includeLogs: true, logInstance: instance }, { signal }),
      onMessage: (update) => {
        if (update.update.case !== 'logLine' || update.sequence <= last) return;
        last = update.sequence;
        // Older controllers send every instance's lines whatever log_instance says.
        if (update.update.value.instance !== instance) return;
        lines.current.push(shown(update.sequence, update.update.value));
        if (lines.current.length > MOST_KEPT) {
          const excess = lines.current.length - MOST_KEPT;
          lines.current.splice(0, excess);
          trimmed.current += excess;
        }
        render();
      },
      onConnection: setConnection,
      isDone: isFinal,
    });
    render();
    return () => {
      stop();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [runId, instance, isFinal]);

  useLayoutEffect(() => {
    const element = box.current;
    if (element && stuck) element.scrollTop = element.scrollHeight;
  });

  const onScroll = () => {
    const element = box.current;
    if (!element) return;
    const atBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - 4;
    if (atBottom !== stuck) setStuck(atBottom);
  };

  return (
    <div class="instance-log">
      <div class="toolbar">
        <ConnectionIndicator connection={connection} />
        <span class="muted">{countOf(lines.current.length + trimmed.current, 'line')}</span>
        <button type="button" disabled={stuck} onClick={() => setStuck(true)}>
          Follow newest
        </button>
      </div>
      <div class="log" ref={box} onScroll={onScroll} role="log" aria-label={`Log of ${instance}`} tabIndex={0} data-testid="instance-log" data-instance={instance}>
        {trimmed.current > 0 && <div class="log-note">{countOf(trimmed.current, 'earlier line')} not shown here; the instance's report has them all.</div>}
        {lines.current.map((line) =>
          line.droppedLines > 0n ? (
            <div key={String(line.sequence)} class="log-gap" data-testid="log-gap" title={formatMs(line.time)}>
              <span aria-hidden="true">⋯ </span>
              {line.text}
            </div>
          ) : (
            <div key={String(line.sequence)} class="log-line" data-stderr={line.stderr || undefined}>
              <span class="log-phase">{line.phase}</span>
              {line.text}
            </div>
          ),
        )}
        {lines.current.length === 0 && <div class="muted">No output from {instance} yet.</div>}
      </div>
    </div>
  );
});

function shown(sequence: bigint, line: LogLine): ShownLine {
  return {
    sequence,
    text: line.text,
    time: line.time ? timestampMs(line.time) : Date.now(),
    phase: line.phase,
    // `stream` is the fallback for controllers older than output_stream.
    stderr: line.outputStream === OutputStream.STDERR || (line.outputStream === OutputStream.UNSPECIFIED && line.stream === 'stderr'),
    droppedLines: line.droppedLines,
  };
}
