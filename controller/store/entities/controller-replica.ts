import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * One controller process sharing the database: what `controller list`
 * shows, and the lease every run it owns hangs on. A replica is alive while
 * its heartbeat is younger than its lease; a replica found past it is marked
 * `gone` by another one, which then takes its runs over (bumping each run's
 * lease epoch, so that the old one's writes no longer commit).
 */
export const ControllerReplicaEntity = defineEntity({
  name: 'ControllerReplica',
  tableName: 'controller_replicas',
  indexes: [{ properties: ['state'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    host: p.string().length(255),
    pid: p.integer(),
    /** host:port clients and other tools reach its API on. */
    address: p.string().length(255),
    /** host:port its agents dial (redirects point agents there). */
    agentAddress: p.string().length(255),
    version: p.string().length(63),
    /** 'ha' or 'single'. */
    mode: p.string().length(16),
    /** starting | serving | stopping | stopped | gone */
    state: p.string().length(16),
    leaseMs: p.integer(),
    runsOwned: p.integer().default(0),
    agentsConnected: p.integer().default(0),
    startedAt: p.datetime(),
    heartbeatAt: p.datetime(),
  }),
});

export type ControllerReplicaRow = InferEntity<typeof ControllerReplicaEntity>;
