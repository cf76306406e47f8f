/** Times and durations as the CLI prints them. */
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';

/**
 * One formatter for every time on the pages: Date's toLocaleString builds a new Intl.DateTimeFormat per call, which
 * was a third of the page's CPU while it followed a 1,000-instance run (rows re-rendered with their times).
 */
const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });

export function dateOf(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}

/** A time in the reader's locale and time zone; empty for undefined. */
export function formatTime(ts: Timestamp | Date | undefined): string {
  const date = ts instanceof Date ? ts : dateOf(ts);
  return date ? TIME_FORMAT.format(date) : '';
}

/** A time in ms since the epoch, as formatTime writes it. */
export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '' : TIME_FORMAT.format(ms);
}

/** `0.8s`, `12s`, `3m 5s`, `2h 10m`, `3d 4h`: tenths below ten seconds, where a phase's length is often all in them. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `1 line`, `3 lines`. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
