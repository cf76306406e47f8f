import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { ModuleEntity } from './module.js';
import { TenantEntity } from './tenant.js';

/**
 * One publication of a module to other tenants (issue 22, sharing): the
 * owner's module, read-only, at one version or every version (`version`
 * null), to every tenant (`audience` null) or to one tenant named by
 * `audience`. Audiences are names, never checked for existence: checking
 * would tell the publisher which tenants exist, and tenant names are never
 * reused. Rows are looked up by module (what a reader may see of it) and by
 * owner (what a tenant shares); readers find theirs by audience.
 */
export const ModulePublicationEntity = defineEntity({
  name: 'ModulePublication',
  tableName: 'module_publications',
  indexes: [{ properties: ['module'] }, { properties: ['owner'] }, { properties: ['audience'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    owner: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    module: p.manyToOne(ModuleEntity).mapToPk().deleteRule('cascade'),
    /** The published version; null = every version, present and future. */
    version: p.integer().nullable(),
    /** The tenant name it is published to; null = every tenant. */
    audience: p.string().length(63).nullable(),
    publishedBy: p.string().length(63),
    publishedAt: p.datetime(),
  }),
});

export type ModulePublicationRow = InferEntity<typeof ModulePublicationEntity>;
