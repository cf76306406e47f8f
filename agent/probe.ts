/**
 * Measurement hooks: an embedder (the `sim` driver, benchmarks) learns when
 * an agent enrolled, was welcomed, received and completed each state, with
 * process.hrtime's monotonic clock, which on Linux is one clock for every
 * process of the machine, so moments taken in different processes compare.
 */
import type { RunState } from '../proto/gen/slipstream/v1/runs.js';

export type AgentProbeEvent =
  | { type: 'enrolled'; at: bigint; uptimeMs: number }
  | { type: 'welcomed'; at: bigint; state: RunState; epoch: number }
  | { type: 'state-received'; at: bigint; state: RunState; epoch: number }
  | { type: 'phase-started'; at: bigint; state: RunState; epoch: number }
  | { type: 'state-completed'; at: bigint; state: RunState; epoch: number };

export type AgentProbe = (event: AgentProbeEvent) => void;

/** Now on the machine-wide monotonic clock, in nanoseconds. */
export function monotonicNow(): bigint {
  return process.hrtime.bigint();
}
