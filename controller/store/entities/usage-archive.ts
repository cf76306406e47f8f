import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/**
 * What usage metering keeps of a run that retention or DeleteRun removed: one
 * row per instance that had a VM (its interval), or one row without an
 * interval for a run none of whose instances had one (so that it still counts
 * as launched). Written in the transaction that deletes the run
 * (RunDeletionRepository.delete); no foreign key to the run, which is gone.
 */
export const UsageArchiveEntity = defineEntity({
  name: 'UsageArchive',
  tableName: 'usage_archive',
  indexes: [{ properties: ['tenant', 'launchedAt'] }, { properties: ['vmStoppedAt'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    runId: p.uuid(),
    owner: p.string().length(63),
    modulePath: p.string().length(255),
    cloud: p.string().length(63),
    launchedAt: p.datetime(),
    vmStartedAt: p.datetime().nullable(),
    vmStoppedAt: p.datetime().nullable(),
  }),
});

export type UsageArchiveRow = InferEntity<typeof UsageArchiveEntity>;
