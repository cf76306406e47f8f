import type { EntityManager } from '@mikro-orm/core';
import { ControllerReplicaEntity, type ControllerReplicaRow } from '../entities/controller-replica.js';

/** States a replica leaves for good: it stopped cleanly, or another replica found its lease expired. */
export const ENDED_REPLICA_STATES = ['stopped', 'gone'] as const;

/** How long an ended replica stays in `list()`: long enough for an operator to see what just went away. */
export const ENDED_REPLICA_SHOWN_MS = 60 * 60 * 1000;

/**
 * The controller replicas sharing the database, as operators see them. Read
 * side only: each replica writes its own row (controller/cluster/).
 */
export class ReplicaRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Every replica except those that ended (stopped or gone) more than an
   * hour before `now` (by their last heartbeat), newest start first.
   */
  list(now: Date = new Date()): Promise<ControllerReplicaRow[]> {
    const endedBefore = new Date(now.getTime() - ENDED_REPLICA_SHOWN_MS);
    return this.em.find(
      ControllerReplicaEntity,
      { $or: [{ state: { $nin: [...ENDED_REPLICA_STATES] } }, { heartbeatAt: { $gte: endedBefore } }] },
      { orderBy: { startedAt: 'desc', id: 'asc' } },
    );
  }

  /** The replicas that have not ended and whose heartbeat is younger than their lease at `now`, newest start first. */
  async live(now: Date = new Date()): Promise<ControllerReplicaRow[]> {
    const rows = await this.em.find(
      ControllerReplicaEntity,
      { state: { $nin: [...ENDED_REPLICA_STATES] } },
      { orderBy: { startedAt: 'desc', id: 'asc' } },
    );
    return rows.filter((r) => r.heartbeatAt.getTime() + r.leaseMs > now.getTime());
  }
}
