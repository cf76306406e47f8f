import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/** A deployment template's name in a tenant; its content lives in TemplateVersion rows. */
export const TemplateEntity = defineEntity({
  name: 'Template',
  tableName: 'templates',
  uniques: [{ properties: ['tenant', 'name'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    name: p.string().length(63),
    latestVersion: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    /** Set by DeleteTemplate: hidden from listings and launches; pinned versions stay readable. */
    deletedAt: p.datetime().nullable(),
  }),
});

export type TemplateRow = InferEntity<typeof TemplateEntity>;
