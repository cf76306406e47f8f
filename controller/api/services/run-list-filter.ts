/**
 * The filter of ListRuns and WatchRuns: validated from the request (bad
 * values are field violations), and, for WatchRuns, matched against a run
 * that changed (the database applies it to the listing itself).
 */
import type * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import { throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { runStateFromProto } from '../../../common/convert/runs.js';
import type { RunState } from '../../../common/runs/states.js';
import type { RunFilter } from '../../store/repositories/runs.js';

/** WatchRuns sends this many current runs when the request's limit is 0. */
export const DEFAULT_WATCH_LIMIT = 200;
/** WatchRuns sends at most this many current runs. */
export const MAX_WATCH_LIMIT = 1000;

/** The filter fields ListRunsRequest and WatchRunsRequest share. */
type FilterFields = Pick<pb.ListRunsRequest, 'states' | 'tag' | 'module'>;

function filterViolations(req: FilterFields): FieldViolation[] {
  return req.states.some((s) => runStateFromProto(s) === undefined) ? [{ field: 'states', description: 'contains an unknown state' }] : [];
}

function filterOf(req: FilterFields): RunFilter {
  return {
    states: req.states.map((s) => runStateFromProto(s)!),
    ...(req.tag ? { tag: req.tag } : {}),
    ...(req.module ? { modulePrefix: req.module } : {}),
  };
}

/** ListRuns' filter; INVALID_ARGUMENT naming `states` for an unknown state. */
export function listRunsFilter(req: FilterFields): RunFilter {
  throwIfViolations(filterViolations(req));
  return filterOf(req);
}

/** WatchRuns' filter and how many current runs to send; INVALID_ARGUMENT naming every bad field. */
export function watchRunsRequest(req: pb.WatchRunsRequest): { filter: RunFilter; limit: number } {
  const violations = filterViolations(req);
  if (!Number.isInteger(req.limit) || req.limit < 0 || req.limit > MAX_WATCH_LIMIT) {
    violations.push({ field: 'limit', description: `must be 0 to ${MAX_WATCH_LIMIT} (0: ${DEFAULT_WATCH_LIMIT})` });
  }
  throwIfViolations(violations);
  return { filter: filterOf(req), limit: req.limit === 0 ? DEFAULT_WATCH_LIMIT : req.limit };
}

/** What of a run the filter looks at. */
export interface FilteredRun {
  state: RunState;
  modulePath: string;
  tags: readonly string[];
}

/** True when the run is one the filter lists: as RunRepository.list selects (a module prefix matches the path or a folder of it). */
export function matchesRunFilter(run: FilteredRun, filter: RunFilter): boolean {
  if (filter.states?.length && !filter.states.includes(run.state)) return false;
  if (filter.tag && !run.tags.includes(filter.tag)) return false;
  if (filter.modulePrefix && run.modulePath !== filter.modulePrefix && !run.modulePath.startsWith(`${filter.modulePrefix}/`)) return false;
  return true;
}
