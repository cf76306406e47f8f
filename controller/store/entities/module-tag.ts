import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { ModuleEntity } from './module.js';

/**
 * Where a named tag of a module (`stable`, `production`) points now: one row
 * per tag, moved in place by SetModuleTag. Its past is ModuleTagHistoryEntity.
 */
export const ModuleTagEntity = defineEntity({
  name: 'ModuleTag',
  tableName: 'module_tags',
  uniques: [{ properties: ['module', 'name'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    module: p.manyToOne(ModuleEntity).mapToPk().deleteRule('cascade'),
    name: p.string().length(63),
    version: p.integer(),
    /** The user who last set it. */
    setBy: p.string().length(63),
    setAt: p.datetime(),
  }),
});

export type ModuleTagRow = InferEntity<typeof ModuleTagEntity>;
