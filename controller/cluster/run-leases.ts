import type { RunOwnership } from '../scheduler/run-ownership.js';
import type { Store } from '../store/store.js';
import type { RunPlacement, NewRunLease } from '../scheduler/run-ownership.js';
import { ASSIGNED_RUNS, BIND_TO_HOST, CLAIM_ALL, HAND_BACK, HOLDER_OF, LEAST_LOADED, NEXT_EPOCH, ORPHAN_SHARE, TAKE_ORPHANS } from './lease-sql.js';
import type { ReplicaIdentity } from './replica-identity.js';

interface LeaseRow {
  id: string;
  lease_epoch: number | string;
}

/**
 * The runs this replica holds the lease of, each with its epoch: the
 * fencing token every write of the run's engine carries (a write with an
 * older epoch than the run's does not commit). The database is the truth;
 * this is what this replica last learned of it, and a fenced write or a
 * failed heartbeat takes runs out of it.
 *
 * Alone on its database (single mode), a controller holds every run with
 * one epoch, taken at start (newer than any before it), so that it needs
 * no per-run bookkeeping; a run it loses anyway (another controller
 * started beside it against the rules) is remembered as lost.
 */
export class RunLeases implements RunOwnership, RunPlacement {
  private readonly epochs = new Map<string, number>();
  private soleEpoch: number | undefined;
  private readonly lostAlone = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly self: ReplicaIdentity,
  ) {}

  epochOf(runId: string): number | undefined {
    if (this.soleEpoch !== undefined && !this.lostAlone.has(runId)) return this.soleEpoch;
    return this.epochs.get(runId);
  }

  lost(runId: string): void {
    this.epochs.delete(runId);
    if (this.soleEpoch !== undefined) this.lostAlone.add(runId);
  }

  /** Runs held (alone: those it took at start and launched since). */
  get count(): number {
    return this.epochs.size;
  }

  /**
   * The runs it keeps an entry of: held (a final run stays held, its lease
   * is never handed back) or lost while alone. Entries of deleted runs are
   * dropped by `forget`; nothing else would (issue 20: the held list grew
   * with every run ever driven).
   */
  remembered(): string[] {
    return [...new Set([...this.epochs.keys(), ...this.lostAlone])];
  }

  /** Drops every entry of these runs (they were deleted). */
  forget(runIds: readonly string[]): void {
    for (const runId of runIds) {
      this.epochs.delete(runId);
      this.lostAlone.delete(runId);
    }
  }

  /** Lets go of every run (the replica's own lease lapsed); returns them. */
  forgetAll(): string[] {
    const runs = [...this.epochs.keys()];
    this.epochs.clear();
    return runs;
  }

  /** Alone on the database (single mode): takes every live run with an epoch newer than any before. */
  async claimAll(): Promise<string[]> {
    const [row] = await this.store.execute<{ next: number | string }>(NEXT_EPOCH);
    this.soleEpoch = Number(row?.next ?? 1);
    await this.store.execute(CLAIM_ALL, [this.self.id, this.soleEpoch], 'run');
    return this.remember(await this.store.execute<LeaseRow>(ASSIGNED_RUNS, [this.self.id]));
  }

  /** Live runs the database gives this replica that it does not hold yet (a run placed on it by another replica). */
  async adoptAssigned(): Promise<string[]> {
    const rows = await this.store.execute<LeaseRow>(ASSIGNED_RUNS, [this.self.id]);
    return this.remember(rows.filter((row) => !this.epochs.has(row.id)));
  }

  /**
   * Takes this replica's share of the runs no live replica holds (their
   * holder stopped or was declared gone): the orphans divided by the
   * serving replicas, rounded up, so that they spread over the survivors.
   */
  async takeOverOrphans(): Promise<string[]> {
    const [share] = await this.store.execute<{ orphans: number | string; serving: number | string }>(ORPHAN_SHARE, [this.self.hostKey, this.self.hostKey]);
    const orphans = Number(share?.orphans ?? 0);
    if (orphans === 0) return [];
    const limit = Math.ceil(orphans / Math.max(1, Number(share?.serving ?? 1)));
    return this.remember(await this.store.execute<LeaseRow>(TAKE_ORPHANS, [this.self.id, this.self.hostKey, limit]));
  }

  /** A clean stop: gives every held run back at once, epochs bumped, for the other replicas to take. */
  async handBack(): Promise<number> {
    this.epochs.clear();
    return (await this.store.execute<{ id: string }>(HAND_BACK, [this.self.id])).length;
  }

  /**
   * The lease a new run starts with: alone, this controller's; in HA, the
   * least loaded serving replica's (this one when none other serves), and
   * this one's, bound to its host, when the run has VMs only this host's
   * replicas can reach.
   */
  async placeNewRun(hostBound: boolean): Promise<NewRunLease> {
    const binding = hostBound ? this.self.hostKey : null;
    if (this.soleEpoch !== undefined) return { holder: this.self.id, epoch: this.soleEpoch, binding };
    if (hostBound) return { holder: this.self.id, epoch: 1, binding };
    const [row] = await this.store.execute<{ id: string }>(LEAST_LOADED);
    return { holder: row?.id ?? this.self.id, epoch: 1, binding };
  }

  /** Once the new run committed: this replica holds it, or the replica it was placed on is told (placedElsewhere). */
  async placed(runId: string, lease: NewRunLease): Promise<void> {
    if (lease.holder === this.self.id) this.epochs.set(runId, lease.epoch);
    else await this.placedElsewhere?.(lease.holder);
  }

  /** How another replica hears that a run was placed on it (ReplicaMembership.announceAssigned). */
  placedElsewhere: ((replicaId: string) => Promise<void>) | undefined;

  /** Where the agents of a run should dial: its live holder's agent address; undefined while no live replica holds it. */
  async holderAgentAddress(runId: string): Promise<string | undefined> {
    // Alone, before it took its runs (or for one it lost), nobody drives the run: no address, the agent retries.
    if (this.self.mode === 'single') return this.soleEpoch === undefined || this.lostAlone.has(runId) ? undefined : this.self.agentAddress;
    const [row] = await this.store.execute<{ id: string; agent_address: string }>(HOLDER_OF, [runId]);
    return row?.agent_address;
  }

  /** Binds a run to this host's replicas: it has VMs only they can reach. */
  async bindToHost(runId: string): Promise<void> {
    await this.store.execute(BIND_TO_HOST, [this.self.hostKey, runId], 'run');
  }

  private remember(rows: readonly LeaseRow[]): string[] {
    for (const row of rows) this.epochs.set(row.id, Number(row.lease_epoch));
    return rows.map((row) => row.id);
  }
}
