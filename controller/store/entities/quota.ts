import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/** The most instances a tenant may have at once on one cloud. */
export const QuotaEntity = defineEntity({
  name: 'Quota',
  tableName: 'quotas',
  uniques: [{ properties: ['tenant', 'cloud'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    cloud: p.string().length(63),
    maxInstances: p.integer(),
    updatedAt: p.datetime(),
  }),
});

export type QuotaRow = InferEntity<typeof QuotaEntity>;
