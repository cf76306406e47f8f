/**
 * What the run engine needs to know of run ownership among controller
 * replicas, as ports: the cluster module (controller/cluster/) implements
 * them on PostgreSQL; a single controller owns every run.
 */
import type { RunInput } from '../domain/runs/types.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { ParameterSet } from './parameter-writer.js';
import type { SetOutcome } from './run-batch.js';

/** The runs this replica drives, each with the lease epoch (fencing token) its writes must carry. */
export interface RunOwnership {
  /** The epoch this replica holds the run's lease with, or undefined when it does not own the run. */
  epochOf(runId: string): number | undefined;
  /** Forgets a run whose lease went to another replica (a write was fenced off). */
  lost(runId: string): void;
}

/** Where work for a run this replica does not own goes: to its owner. */
export interface RemoteRuns {
  /** Resolves once the owner committed the input. */
  dispatch(runId: string, input: RunInput): Promise<void>;
  setParameters(runId: string, sets: readonly ParameterSet[]): Promise<SetOutcome>;
  appendLogs(runId: string, entries: readonly JournalEntry[]): Promise<void>;
}

export { LeaseLostError } from '../store/lease-lost.js';

/** The lease a new run is created with. */
export interface NewRunLease {
  /** The replica that will drive it. */
  holder: string;
  epoch: number;
  /** The host key it is bound to (it has VMs only that host's replicas reach), or null. */
  binding: string | null;
}

/** Where new runs go: LaunchRun asks before it creates the run, and tells once it committed. */
export interface RunPlacement {
  placeNewRun(hostBound: boolean): Promise<NewRunLease>;
  placed(runId: string, lease: NewRunLease): Promise<void>;
}

/**
 * Which replica an agent's session belongs with: the agent session asks it
 * when a session starts and redirects the agent to the owner when this
 * replica does not drive the run. A single controller owns every run.
 */
export interface AgentRouting {
  /** True when this replica drives the run (its engine holds it). */
  owns(runId: string): boolean;
  /** `host:port` of the agent endpoint of the replica that owns the run; undefined when none owns it right now. */
  ownerAgentAddress(runId: string): Promise<string | undefined>;
  /**
   * Resolves once this replica has taken the runs it starts with (a single
   * controller: all of them); until then a run nobody drives may be about to
   * be driven here. Absent: nothing to wait for.
   */
  runsTaken?: Promise<void>;
}
