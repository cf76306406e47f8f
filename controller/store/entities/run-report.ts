import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/** A report tarball an agent uploaded; the bytes live in the data dir. */
export const RunReportEntity = defineEntity({
  name: 'RunReport',
  tableName: 'run_reports',
  uniques: [{ properties: ['run', 'instance', 'name'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    run: p.manyToOne(RunEntity).mapToPk().deleteRule('cascade'),
    instance: p.string().length(80),
    name: p.string().length(255),
    sizeBytes: p.integer(),
    sha256: p.string().length(64),
    path: p.text(),
    createdAt: p.datetime(),
  }),
});

export type RunReportRow = InferEntity<typeof RunReportEntity>;
