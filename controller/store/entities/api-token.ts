import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';
import { UserEntity } from './user.js';

/** An API token; only the sha256 of its secret is stored. */
export const ApiTokenEntity = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    user: p.manyToOne(UserEntity).mapToPk().deleteRule('cascade'),
    name: p.string().length(128),
    secretHash: p.string().length(64).unique(),
    createdAt: p.datetime(),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  }),
});

export type ApiTokenRow = InferEntity<typeof ApiTokenEntity>;
