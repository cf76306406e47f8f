import { UnavailableError } from '../../common/errors.js';
import type { RemoteRuns } from '../scheduler/run-ownership.js';

/**
 * Where a lone controller (single mode) sends work for a run it no longer
 * drives: nowhere. Such a run was taken over by another controller started
 * beside this one against the rules; the call fails rather than writing.
 */
export class TakenRuns implements RemoteRuns {
  dispatch(runId: string): Promise<void> {
    return Promise.reject(taken(runId));
  }
  setParameters(runId: string): Promise<never> {
    return Promise.reject(taken(runId));
  }
  appendLogs(runId: string): Promise<void> {
    return Promise.reject(taken(runId));
  }
}

function taken(runId: string): UnavailableError {
  return new UnavailableError(`run ${runId} is driven by another controller on this database; this one let go of it`);
}
