import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/** One node instance (`node.N`) of a run: its VM and its agent's credentials (hashes only). */
export const RunInstanceEntity = defineEntity({
  name: 'RunInstance',
  tableName: 'run_instances',
  uniques: [{ properties: ['run', 'name'] }],
  // Usage over a period reads the VMs still alive or stopped since its start (UsageRepository).
  indexes: [{ properties: ['vmStoppedAt'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    run: p.manyToOne(RunEntity).mapToPk().deleteRule('cascade'),
    name: p.string().length(80),
    node: p.string().length(63),
    index: p.integer(),
    cloud: p.string().length(63),
    vm: p.string().length(16),
    vmId: p.string().length(255).nullable(),
    completedEpoch: p.integer().default(0),
    completedState: p.string().length(16).nullable(),
    scaleState: p.string().length(16).default(''),
    bootstrapHash: p.string().length(64).nullable().unique(),
    bootstrapExpiresAt: p.datetime().nullable(),
    bootstrapUsedAt: p.datetime().nullable(),
    credentialHash: p.string().length(64).nullable().unique(),
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
    /** When its VM was known to run (committed with `vm` turning `running`); never moved afterwards. Usage meters from it. */
    vmStartedAt: p.datetime().nullable(),
    /** When its VM was known gone (destroyed, or lost): `vm` leaving `running`. Null while it may still run. */
    vmStoppedAt: p.datetime().nullable(),
  }),
});

export type RunInstanceRow = InferEntity<typeof RunInstanceEntity>;
