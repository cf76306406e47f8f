import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { ModuleEntity } from './module.js';

/** One immutable version of a module: canonical JSON content and commit metadata. */
export const ModuleVersionEntity = defineEntity({
  name: 'ModuleVersion',
  tableName: 'module_versions',
  uniques: [{ properties: ['module', 'version'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    module: p.manyToOne(ModuleEntity).mapToPk().deleteRule('cascade'),
    version: p.integer(),
    content: p.text(),
    contentHash: p.string().length(64),
    author: p.string().length(63),
    message: p.text().default(''),
    createdAt: p.datetime(),
  }),
});

export type ModuleVersionRow = InferEntity<typeof ModuleVersionEntity>;
