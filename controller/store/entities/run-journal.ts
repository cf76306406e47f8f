import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/**
 * Everything that happened to a run, in sequence order: events, state
 * changes, parameter changes and log lines. `WatchRun` resumes from a sequence.
 */
export const RunJournalEntity = defineEntity({
  name: 'RunJournal',
  tableName: 'run_journal',
  uniques: [{ properties: ['run', 'sequence'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    run: p.manyToOne(RunEntity).mapToPk().deleteRule('cascade'),
    sequence: p.integer(),
    time: p.datetime(),
    /** `event`, `parameter` or `log`. */
    kind: p.string().length(16),
    /** Events: the event type (`state`, `abort`, ...); logs: the stream. */
    type: p.string().length(32),
    actor: p.string().length(96).default(''),
    instance: p.string().length(80).default(''),
    /** Logs: the phase; parameters: the key. */
    subject: p.string().length(160).default(''),
    text: p.text(),
  }),
});

export type RunJournalRow = InferEntity<typeof RunJournalEntity>;
