/**
 * The words of a controller replica's row (controller_replicas), shared by
 * the controller that writes and serves them and the client that shows them.
 */

/** How a replica runs: beside others on one PostgreSQL database, or alone. */
export const REPLICA_MODES = ['ha', 'single'] as const;
export type ReplicaMode = (typeof REPLICA_MODES)[number];

/** A replica's life, in order; `stopped` and `gone` are final. */
export const REPLICA_STATES = ['starting', 'serving', 'stopping', 'stopped', 'gone'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];
