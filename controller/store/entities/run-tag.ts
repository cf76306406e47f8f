import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/** One tag of a run (a table, so listing by tag is an indexed lookup on both databases). */
export const RunTagEntity = defineEntity({
  name: 'RunTag',
  tableName: 'run_tags',
  uniques: [{ properties: ['run', 'tag'] }],
  indexes: [{ properties: ['tag'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    run: p.manyToOne(RunEntity).mapToPk().deleteRule('cascade'),
    tag: p.string().length(64),
  }),
});

export type RunTagRow = InferEntity<typeof RunTagEntity>;
