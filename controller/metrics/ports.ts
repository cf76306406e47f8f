/**
 * What the hot paths report to the metrics, as plain functions: the engine,
 * the agent sessions, the reconciler and the clouds' connectors depend on
 * these, not on prom-client, and run without metrics (in unit tests) through
 * the no-op recorders below.
 */

/** Who set a parameter value: an agent (ss-set) or an operator (the API). */
export type ParameterSetOrigin = 'agent' | 'operator';

/** The run engine's group commit and the parameter values it is given. */
export interface EngineMetrics {
  /** One batch of a run's work committed (or failed), `items` of it, in `seconds`. */
  committed(items: number, seconds: number): void;
  /** Values submitted to a run this replica drives. */
  parameterSets(origin: ParameterSetOrigin, values: number): void;
}

/** How an agent's waiting get (ss-get --wait, get-all --wait) ended. */
export type ParameterWaitOutcome = 'satisfied' | 'timeout' | 'aborted';

/** The waiting gets of the agents' sessions. */
export interface ParameterWaitMetrics {
  waitStarted(): void;
  waitEnded(outcome: ParameterWaitOutcome): void;
}

/** What one reconciliation pass can find; each is counted when it happens. */
export type ReconcilerFinding = 'stray_terminated' | 'stray_terminate_failed' | 'instance_lost' | 'cloud_unlisted';

export interface ReconcilerMetrics {
  found(kind: ReconcilerFinding, count: number): void;
}

/** The calls the controller makes to a cloud through a connector. */
export type CloudOperation = 'provision' | 'terminate' | 'describe' | 'list';

export interface CloudCallMetrics {
  /** `outcome`: 'ok', a ConnectorError's kind, 'cancelled', or 'error' (anything else). */
  called(call: { operation: CloudOperation; cloud: string; driver: string; outcome: string; seconds: number }): void;
}

export const NO_ENGINE_METRICS: EngineMetrics = { committed: () => undefined, parameterSets: () => undefined };
export const NO_PARAMETER_WAIT_METRICS: ParameterWaitMetrics = { waitStarted: () => undefined, waitEnded: () => undefined };
export const NO_RECONCILER_METRICS: ReconcilerMetrics = { found: () => undefined };
