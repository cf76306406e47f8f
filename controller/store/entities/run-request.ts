import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/**
 * A run input, parameter set or log batch that reached a replica which does
 * not own the run, waiting for the owner to apply it (PostgreSQL replicas
 * only). The owner hears of it by NOTIFY, or finds it on its periodic sweep
 * or when it adopts the run; it writes the answer, which the asking replica
 * reads and then deletes.
 */
export const RunRequestEntity = defineEntity({
  name: 'RunRequest',
  tableName: 'run_requests',
  indexes: [{ properties: ['run', 'answeredAt'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    run: p.manyToOne(RunEntity).mapToPk().deleteRule('cascade'),
    /** The replica that asked and waits for the answer. */
    askedBy: p.uuid(),
    /** JSON of the request (its kind and body). */
    body: p.text(),
    createdAt: p.datetime(),
    answeredAt: p.datetime().nullable(),
    /** JSON of the outcome: a result or an error's class and message. */
    answer: p.text().nullable(),
  }),
});

export type RunRequestRow = InferEntity<typeof RunRequestEntity>;
