/** Times and durations as the CLI prints them. */
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';

export function dateOf(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}

export function formatTime(ts: Timestamp | Date | undefined): string {
  const date = ts instanceof Date ? ts : dateOf(ts);
  return date ? date.toLocaleString(undefined, { hour12: false }) : '';
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}
