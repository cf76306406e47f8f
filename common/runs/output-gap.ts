/**
 * A gap in a run's log: recipe output that came faster than the controller
 * stored it was dropped on the way (the agent's buffer was full), and a
 * marker stands where it was. The controller writes the marker's text with
 * this notice, so that every reader (`run logs`, `--follow`, `run watch
 * --logs`, older CLIs) shows the gap and where the complete output is.
 */

/** What was dropped at one place of an instance's log. */
export interface OutputGap {
  runId: string;
  /** `node.N`. */
  instance: string;
  /** The recipe whose output it was (its file in the report is `logs/<phase>.log`). */
  phase: string;
  lines: number;
  /** UTF-8 bytes, a newline each included; 0 when the agent did not say (agents older than the count). */
  bytes: number;
}

/** Starts every line the controller writes into a log itself. */
export const CONTROLLER_NOTE_PREFIX = '[slipstream]';

/**
 * `[slipstream] 760,052 lines (48.6 MB) of output dropped here; the full
 * output is in the report: slipstream run reports RUN --instance node.1
 * (logs/deployment.log)`.
 */
export function outputGapNotice(gap: OutputGap): string {
  const size = gap.bytes > 0 ? ` (${formatDecimalBytes(gap.bytes)})` : '';
  const file = gap.phase ? ` (logs/${gap.phase}.log)` : '';
  const lines = `${gap.lines.toLocaleString('en-US')} ${gap.lines === 1 ? 'line' : 'lines'}`;
  return `${CONTROLLER_NOTE_PREFIX} ${lines}${size} of output dropped here; the full output is in the report: slipstream run reports ${gap.runId} --instance ${gap.instance}${file}`;
}

const UNITS = ['kB', 'MB', 'GB', 'TB'];

/** `512 B`, `474.4 kB`, `48.6 MB`: decimal units, as `ls --si` and `du --si` show them. */
export function formatDecimalBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes / 1000;
  let unit = 0;
  // Compared rounded, as printed: 999,960 bytes are 1.0 MB, not 1000.0 kB.
  while (Math.round(value * 10) >= 10_000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
