/**
 * Times as components/format.ts's formatTime writes them, through one cached Intl.DateTimeFormat: Date's
 * toLocaleString builds a formatter per call, which was a third of the page's CPU time while it followed a
 * 1,000-instance run (parameters and journal rows re-rendered with their times).
 */
const FORMAT = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });

/** A time in ms since the epoch, in the reader's locale and time zone; empty for undefined. */
export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '' : FORMAT.format(ms);
}
