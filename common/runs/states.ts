/**
 * The run states and keep-running policies as the contract names them, and
 * the predicates every side asks of a state. One list, so the controller, the
 * client and the CLI never disagree on which states are final.
 */

export const RUN_STATES = [
  'Initializing',
  'Provisioning',
  'Executing',
  'SendingReports',
  'Ready',
  'Finalizing',
  'Done',
  'Aborted',
  'Cancelled',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** What a run becomes after Finalizing. */
export type FinalState = 'Done' | 'Aborted' | 'Cancelled';

export const FINAL_STATES: readonly FinalState[] = ['Done', 'Aborted', 'Cancelled'];

/** States whose progress is the barrier: every active instance must complete them. */
export const BARRIER_STATES: readonly RunState[] = ['Provisioning', 'Executing', 'SendingReports'];

export const KEEP_RUNNING = ['never', 'always', 'on-success', 'on-error'] as const;
export type KeepRunning = (typeof KEEP_RUNNING)[number];

/** True for Done, Aborted and Cancelled: nothing happens to the run any more. */
export function isFinal(state: string): state is FinalState {
  return (FINAL_STATES as readonly string[]).includes(state);
}
