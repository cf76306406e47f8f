import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/** A user of one tenant; `role` is validated in code (string column, see stack.md). */
export const UserEntity = defineEntity({
  name: 'User',
  tableName: 'users',
  uniques: [{ properties: ['tenant', 'name'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    name: p.string().length(63),
    role: p.string().length(16),
    createdAt: p.datetime(),
  }),
});

export type UserRow = InferEntity<typeof UserEntity>;
