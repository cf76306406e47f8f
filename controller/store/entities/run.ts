import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { FINAL_STATES } from '../../../common/runs/states.js';
import { TenantEntity } from './tenant.js';

/**
 * Final runs in the order retention deletes them (when they turned final,
 * the state change time standing in for a row without `finished_at`): the
 * sweep reads the oldest few without visiting live runs or sorting. Partial
 * and on an expression, so written as SQL both databases take; the
 * repository's query repeats the expression and the predicate word for word
 * (SQLite uses such an index only then). Compared by name by the schema diff.
 */
const FINISHED_RUNS_INDEX = `create index "runs_finished_index" on "runs" (coalesce("finished_at", "state_changed_at"), "id")
  where "state" in (${FINAL_STATES.map((s) => `'${s}'`).join(', ')})`;

/**
 * A run: the launched module's pinned plan and the state machine's persistent
 * part. JSON columns hold data that is only ever read and written whole.
 */
export const RunEntity = defineEntity({
  name: 'Run',
  tableName: 'runs',
  uniques: [{ properties: ['tenant', 'requestId'] }],
  indexes: [
    { properties: ['tenant', 'createdAt'] },
    { properties: ['state'] },
    { properties: ['leaseHolder'] },
    { name: 'runs_finished_index', expression: FINISHED_RUNS_INDEX },
  ],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    owner: p.string().length(63),
    modulePath: p.string().length(255),
    moduleVersion: p.integer(),
    kind: p.string().length(16),
    /** `deployment` or `image_build` (an ImageService build: common/runs/run-kinds.ts). */
    runKind: p.string().length(16).default('deployment'),
    /** The ResolvedPlan after launch overrides. */
    plan: p.text(),
    state: p.string().length(16),
    epoch: p.integer().default(0),
    abortMessage: p.text().nullable(),
    abortedAt: p.datetime().nullable(),
    recoveryMode: p.boolean().default(false),
    keepRunning: p.string().length(16),
    scalable: p.boolean().default(false),
    timeoutMinutes: p.integer(),
    defaultCloud: p.string().length(63),
    sshKeys: p.text().default('[]'),
    /** RunNodeInfo[] */
    nodes: p.text(),
    /** ScaleOperation or null */
    scale: p.text().nullable(),
    finalState: p.string().length(16).nullable(),
    requestId: p.string().length(128).nullable(),
    lastSequence: p.integer().default(0),
    /** The controller replica that drives the run (null: none yet, or handed back). */
    leaseHolder: p.uuid().nullable(),
    /** Fencing token: bumped by every change of holder; the engine's writes commit only with the epoch they hold. */
    leaseEpoch: p.integer().default(0),
    /**
     * Set once the run has VMs only one host's replicas can reach (`local`):
     * the host key (host name and data dir) of the replica that created them;
     * only a replica with the same key may hold the run's lease.
     */
    leaseBinding: p.string().length(255).nullable(),
    /** `name@N` of the deployment template the run was launched from, or null. */
    template: p.string().length(80).nullable(),
    createdAt: p.datetime(),
    stateChangedAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
  }),
});

export type RunRow = InferEntity<typeof RunEntity>;
