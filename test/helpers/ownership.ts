import type { RemoteRuns, RunOwnership } from '../../controller/scheduler/run-ownership.js';

/** A lone engine's ownership in tests: every run, with the lease epoch runs are created with (0 unless told). */
export function ownsEveryRun(epoch = 0): RunOwnership {
  return { epochOf: () => epoch, lost: () => undefined };
}

/** Remote runs for an engine that owns every run: any call is a test failure. */
export const NO_REMOTE: RemoteRuns = {
  dispatch: (runId) => Promise.reject(new Error(`test engine asked to send run ${runId}'s input to another replica`)),
  setParameters: (runId) => Promise.reject(new Error(`test engine asked to send run ${runId}'s sets to another replica`)),
  appendLogs: (runId) => Promise.reject(new Error(`test engine asked to send run ${runId}'s logs to another replica`)),
};
