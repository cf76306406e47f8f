/**
 * A run's warnings: the events that say something went wrong without deciding
 * the run's verdict, so that whoever reads only the run (GetRun, a CI job's
 * `run launch --wait`) still sees them. Pure: the store reads the events, the
 * converter puts the list on the wire.
 */
import { REPORT_MISSING_EVENT, REPORT_REFUSED_EVENT } from './report-missing.js';
import type { EventType } from './types.js';

/**
 * Event types that are warnings. Not `instance-lost` nor `timeout`: each
 * raises the abort, whose message already says it (a drain timeout only comes
 * after one); nor `abort`, which is the abort message itself.
 */
export const WARNING_EVENT_TYPES: readonly string[] = [REPORT_MISSING_EVENT, REPORT_REFUSED_EVENT, 'provisioning-failure' satisfies EventType];

/** Warnings kept on the run; past them one line points to `run events`, so that a run of 10,000 failing agents stays a small message. */
export const MAX_RUN_WARNINGS = 50;

/** Warning events read to find MAX_RUN_WARNINGS distinct ones (an agent whose ack was lost reports a missing report again); one more tells that there are more. */
export const WARNING_EVENTS_READ = MAX_RUN_WARNINGS * 4;

/** The line that stands for the warnings past MAX_RUN_WARNINGS. */
export const MORE_WARNINGS = `more than ${MAX_RUN_WARNINGS} warnings; the rest are in the run's events (slipstream run events)`;

/**
 * The run's warnings from the texts of its first warning events (up to
 * WARNING_EVENTS_READ + 1), oldest first: repeats once, each without the
 * `warning: ` its event text may start with (readers add their own), at most
 * MAX_RUN_WARNINGS, then MORE_WARNINGS when there are more.
 */
export function runWarnings(texts: readonly string[]): string[] {
  const read = texts.slice(0, WARNING_EVENTS_READ);
  const distinct = [...new Set(read.map((t) => t.replace(/^warning: /, '')))];
  const more = distinct.length > MAX_RUN_WARNINGS || texts.length > WARNING_EVENTS_READ;
  return more ? [...distinct.slice(0, MAX_RUN_WARNINGS), MORE_WARNINGS] : distinct;
}
