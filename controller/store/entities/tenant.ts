import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** A tenant: the isolation boundary of modules, runs, credentials and quotas. */
export const TenantEntity = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.string().length(63).unique(),
    displayName: p.string().length(255),
    operator: p.boolean().default(false),
    createdAt: p.datetime(),
  }),
});

export type TenantRow = InferEntity<typeof TenantEntity>;
