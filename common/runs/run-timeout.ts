/** A run's timeout: minutes in one transitional state before it is aborted (LaunchRunRequest.timeout_minutes). */

/** What 0 (or nothing) stands for. */
export const DEFAULT_TIMEOUT_MINUTES = 30;
/** A week. */
export const MAX_TIMEOUT_MINUTES = 7 * 24 * 60;

/** Why `minutes` (after 0 became the default) is no timeout, in the words the API answers with; undefined when it is one. */
export function timeoutMinutesProblem(minutes: number): string | undefined {
  return Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_TIMEOUT_MINUTES
    ? undefined
    : `must be 1 to ${MAX_TIMEOUT_MINUTES} minutes (0 = the default ${DEFAULT_TIMEOUT_MINUTES})`;
}
