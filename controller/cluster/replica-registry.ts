import type { Logger } from 'pino';
import { isProcessAlive } from '../connectors/local/processes.js';
import { ControllerReplicaEntity, type ControllerReplicaRow } from '../store/entities/controller-replica.js';
import type { Store } from '../store/store.js';
import { EXPIRE_DEAD, HEARTBEAT, REVIVE } from './lease-sql.js';
import { describeController, type ReplicaIdentity } from './replica-identity.js';

export type ReplicaState = 'starting' | 'serving' | 'stopping' | 'stopped' | 'gone';
const HOLDING: ReplicaState[] = ['starting', 'serving', 'stopping'];

/** Another controller uses the database in a way this one may not share it with: the start is refused. */
export class ReplicaConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaConflictError';
  }
}

/**
 * This replica's row in controller_replicas: registered at start (after
 * checking that no other controller it may not share the database with is
 * alive), kept alive by heartbeats, and marked as it stops. In HA mode it
 * also declares replicas whose heartbeat lapsed gone.
 */
export class ReplicaRegistry {
  constructor(
    private readonly store: Store,
    private readonly self: ReplicaIdentity,
    private readonly log: Logger,
  ) {}

  /** Refuses (ReplicaConflictError) when a controller this one may not run beside is alive; else records this one, starting. */
  async register(): Promise<void> {
    await this.store.write(async (_repos, em) => {
      const others = await em.find(ControllerReplicaEntity, { state: { $in: HOLDING }, id: { $ne: this.self.id } });
      for (const other of others) {
        const mayShare = this.self.mode === 'ha' && other.mode === 'ha';
        if (mayShare) continue;
        if (await this.isAlive(other)) throw new ReplicaConflictError(this.conflictMessage(other));
        // A controller that died without stopping (SIGKILL, power loss): its row is history.
        other.state = 'gone';
        this.log.warn({ replica: other.id, host: other.host, pid: other.pid }, 'an earlier controller on this database did not stop cleanly; marked gone');
      }
      const now = new Date();
      em.create(ControllerReplicaEntity, {
        id: this.self.id,
        host: this.self.host,
        pid: this.self.pid,
        address: this.self.address,
        agentAddress: this.self.agentAddress,
        version: this.self.version,
        mode: this.self.mode,
        state: 'starting',
        leaseMs: this.self.leaseMs,
        runsOwned: 0,
        agentsConnected: 0,
        startedAt: now,
        heartbeatAt: now,
      });
    });
  }

  /** Records the addresses this replica serves on, known once its servers are bound. */
  async updateAddresses(): Promise<void> {
    await this.store.write((_repos, em) => em.nativeUpdate(ControllerReplicaEntity, { id: this.self.id }, { address: this.self.address, agentAddress: this.self.agentAddress }));
  }

  async setState(state: ReplicaState): Promise<void> {
    await this.store.write((_repos, em) => em.nativeUpdate(ControllerReplicaEntity, { id: this.self.id }, { state }));
  }

  /** Records that this replica is alive; false when another one declared it gone meanwhile (its lease lapsed). */
  async heartbeat(runsOwned: number, agentsConnected: number): Promise<boolean> {
    if (this.self.mode === 'ha') return (await this.store.execute(HEARTBEAT, [runsOwned, agentsConnected, this.self.id])).length > 0;
    const updated = await this.store.write((_repos, em) =>
      em.nativeUpdate(ControllerReplicaEntity, { id: this.self.id, state: { $in: HOLDING } }, { heartbeatAt: new Date(), runsOwned, agentsConnected }),
    );
    return updated > 0;
  }

  /** HA: declares the replicas whose heartbeat is older than their lease gone; returns them. */
  async expireDead(): Promise<{ id: string; host: string; pid: number }[]> {
    return this.store.execute(EXPIRE_DEAD, [this.self.id]);
  }

  /** HA: this replica serves again after it was declared gone (it had been paused or cut off). */
  async revive(): Promise<void> {
    await this.store.execute(REVIVE, [this.self.id], 'run');
  }

  /** Whether the controller of a row still runs: by its pid on this host; elsewhere by a heartbeat younger than its lease. */
  private async isAlive(row: ControllerReplicaRow): Promise<boolean> {
    if (row.host === this.self.host) return row.pid !== process.pid && (await isProcessAlive(row.pid));
    return Date.now() - row.heartbeatAt.getTime() < row.leaseMs;
  }

  private conflictMessage(other: ControllerReplicaRow): string {
    const who = describeController(other);
    const why =
      this.store.flavour === 'sqlite'
        ? 'An SQLite database serves one controller at a time: stop the other one first, or move to PostgreSQL and start every replica with --ha.'
        : this.self.mode === 'single'
          ? 'Without --ha a controller must be alone on its database: stop the other one first, or start every replica with --ha.'
          : 'It runs without --ha, so it must be alone on the database: stop it, then start every replica with --ha.';
    return `another controller is using this database (${who}). ${why}`;
  }
}
