import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { PgNotifications } from './pg-notifications.js';
import type { ReplicaIdentity } from './replica-identity.js';
import type { ReplicaRegistry } from './replica-registry.js';
import type { RunLeases } from './run-leases.js';

/** Where run ownership changes are announced: 'orphans' (runs to take) or 'assigned:<replica id>' (a new run placed there). */
export const LEASES_CHANNEL = 'slipstream_leases';
/** How often a lone controller (single mode) records its heartbeat: only `controller list` and a crash-restart check read it. */
const SINGLE_HEARTBEAT_MS = 5_000;

export interface MembershipDeps {
  self: ReplicaIdentity;
  store: Store;
  registry: ReplicaRegistry;
  leases: RunLeases;
  /** HA mode only. */
  notifications: PgNotifications | undefined;
  log: Logger;
  /** Runs this replica just took the lease of: to resume. */
  adopted: (runIds: string[]) => Promise<void>;
  /** Runs this replica no longer holds (its own lease lapsed): to let go of. */
  lostAll: (runIds: string[]) => void;
  /** Agents connected to this replica, for the replica list. */
  agentsConnected: () => number;
  /** HA: the agent addresses of the live replicas, after each round (new VMs' agents are given them all). */
  refreshed: (agentAddresses: string[]) => void;
}

/**
 * This replica's life among the others, once registered: takes its runs, keeps
 * its lease alive by heartbeats, takes over the runs of replicas that died
 * (their lease lapsed) or stopped (they hand their runs back), and gives its
 * own back when it stops. Alone (single mode) it simply takes every run.
 */
export class ReplicaMembership {
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private unlisten: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly deps: MembershipDeps) {}

  /**
   * Takes the runs this replica starts with (alone: every live run; in HA,
   * those placed on it) and resumes them, then serves: takes its share of
   * orphaned runs and keeps heartbeating and watching for runs to take.
   * The replica must be registered (ReplicaRegistry.register).
   */
  async serve(): Promise<void> {
    const { registry, leases, self, notifications } = this.deps;
    await this.deps.adopted(self.mode === 'single' ? await leases.claimAll() : await leases.adoptAssigned());
    await registry.setState('serving');
    if (notifications) {
      this.unlisten = await notifications.listen(LEASES_CHANNEL, (payload) => {
        if (payload === 'orphans' || payload === `assigned:${self.id}`) this.sync();
      });
      notifications.onReconnect(() => this.sync());
      await this.syncNow();
    }
    const every = self.mode === 'ha' ? Math.max(100, Math.floor(self.leaseMs / 4)) : SINGLE_HEARTBEAT_MS;
    this.timer = setInterval(() => this.sync(), every);
    this.timer.unref();
  }

  /** Tells the replica a new run was placed on that it owns it now. */
  async announceAssigned(replicaId: string): Promise<void> {
    if (replicaId === this.deps.self.id) return;
    await this.deps.notifications?.notify(LEASES_CHANNEL, `assigned:${replicaId}`);
  }

  /** A clean stop: no more taking; every run handed back at once (HA), for the others to take without waiting for the lease. */
  async leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unlisten?.();
    await this.syncing?.catch(() => undefined);
    const { registry, leases, notifications, log, self } = this.deps;
    await registry.setState('stopping');
    if (self.mode === 'ha') {
      const handed = await leases.handBack();
      if (handed > 0) await notifications?.notify(LEASES_CHANNEL, 'orphans');
      log.info({ runs: handed }, 'runs handed back to the other replicas');
    }
    await registry.setState('stopped');
  }

  /** One round now, or once more after the round in progress. */
  private sync(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    void this.syncNow();
  }

  private syncNow(): Promise<void> {
    this.syncing = this.round()
      .catch((err: unknown) => this.deps.log.error({ err }, 'replica heartbeat or takeover failed'))
      .finally(() => {
        this.syncing = undefined;
        if (this.syncAgain) {
          this.syncAgain = false;
          this.sync();
        }
      });
    return this.syncing;
  }

  private async round(): Promise<void> {
    const { registry, leases, self, log, notifications } = this.deps;
    const alive = await registry.heartbeat(leases.count, this.deps.agentsConnected());
    if (!alive) {
      // Declared gone while paused or cut off: its runs may be another's already. Let go of all, then serve again.
      const released = leases.forgetAll();
      log.error({ runs: released.length }, 'this replica’s lease lapsed and another replica declared it gone: let go of every run');
      this.deps.lostAll(released);
      await registry.revive();
    }
    if (self.mode !== 'ha' || this.stopped) return;
    this.deps.refreshed((await this.deps.store.read((repos) => repos.replicas.live())).map((row) => row.agentAddress).filter(Boolean));
    const dead = await registry.expireDead();
    if (dead.length > 0) {
      log.warn({ replicas: dead }, 'replicas stopped heartbeating; their runs are taken over');
      await notifications?.notify(LEASES_CHANNEL, 'orphans');
    }
    const taken = [...(await leases.adoptAssigned()), ...(await leases.takeOverOrphans())];
    if (taken.length > 0) {
      log.info({ runs: taken.length }, 'took over runs');
      await this.deps.adopted(taken);
    }
  }
}
