import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { ModuleEntity } from './module.js';

/**
 * Every move of a module's tags, append-only: set (no old version), moved,
 * removed (no new version). `sequence` counts per module, so that a listing
 * pages in the order the moves committed; moves of one module serialize on
 * its row, so each entry's old version is the previous entry's new one.
 */
export const ModuleTagHistoryEntity = defineEntity({
  name: 'ModuleTagHistory',
  tableName: 'module_tag_history',
  uniques: [{ properties: ['module', 'sequence'] }],
  indexes: [{ properties: ['module', 'tag', 'sequence'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    module: p.manyToOne(ModuleEntity).mapToPk().deleteRule('cascade'),
    sequence: p.integer(),
    tag: p.string().length(63),
    oldVersion: p.integer().nullable(),
    newVersion: p.integer().nullable(),
    /** The user who moved it. */
    actor: p.string().length(63),
    at: p.datetime(),
    message: p.text().default(''),
  }),
});

export type ModuleTagHistoryRow = InferEntity<typeof ModuleTagHistoryEntity>;
