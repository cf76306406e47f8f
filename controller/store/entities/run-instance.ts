import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/** One node instance (`node.N`) of a run: its VM and its agent's credentials (hashes only). */
export const RunInstanceEntity = defineEntity({
  name: 'RunInstance',
  tableName: 'run_instances',
  uniques: [{ properties: ['run', 'name'] }],
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
  }),
});

export type RunInstanceRow = InferEntity<typeof RunInstanceEntity>;
