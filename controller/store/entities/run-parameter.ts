import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/** One runtime parameter: `node.N:name`, `node:ids`, `node:multiplicity` or `ss:name`. */
export const RunParameterEntity = defineEntity({
  name: 'RunParameter',
  tableName: 'run_parameters',
  uniques: [{ properties: ['run', 'key'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    run: p.manyToOne(RunEntity).mapToPk().deleteRule('cascade'),
    key: p.string().length(160),
    /** Null until set. */
    value: p.text().nullable(),
    secret: p.boolean().default(false),
    description: p.text().default(''),
    updatedAt: p.datetime(),
  }),
});

export type RunParameterRow = InferEntity<typeof RunParameterEntity>;
