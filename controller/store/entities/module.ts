import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/** A module path in a tenant's catalog; its content lives in ModuleVersion rows. */
export const ModuleEntity = defineEntity({
  name: 'Module',
  tableName: 'modules',
  uniques: [{ properties: ['tenant', 'path'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    path: p.string().length(255),
    kind: p.string().length(16),
    description: p.text().default(''),
    latestVersion: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    deletedAt: p.datetime().nullable(),
  }),
});

export type ModuleRow = InferEntity<typeof ModuleEntity>;
