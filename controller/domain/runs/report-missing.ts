/**
 * The run's record of a report that will not come: the instance's agent gave
 * up uploading it (the controller out of reach for the agent's whole upload
 * budget, or the tarball could not be made) and said so. Operators find it
 * with `run events` (type `report-missing`) beside the reports that came.
 */
import { clipCodePoints, withoutNul } from './agent-text.js';

/** The event's type. */
export const REPORT_MISSING_EVENT = 'report-missing';

/**
 * The type of the controller's event for a report it refused (report quota):
 * not `report`, which an upload that worked is, so that readers tell the two
 * apart by type (a run's warnings, run-warnings.ts).
 */
export const REPORT_REFUSED_EVENT = 'report-refused';

/** Characters of the agent's reason kept: an event is a line for people, not a log. */
const MAX_REASON_CHARS = 1_000;

/** The event an instance's notice becomes; `name` and `reason` are the agent's text. */
export function reportMissingEvent(instance: string, name: string, reason: string): { type: string; actor: string; instance: string; text: string } {
  const why = clipCodePoints(withoutNul(reason.trim()), MAX_REASON_CHARS) || 'no reason given';
  const report = clipCodePoints(withoutNul(name), 200) || `${instance}.tar.gz`;
  return { type: REPORT_MISSING_EVENT, actor: `agent:${instance}`, instance, text: `warning: no report from ${instance} (${report}): ${why}` };
}
