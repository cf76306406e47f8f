import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RunEntity } from './run.js';

/**
 * A run's events in sequence order, its log lines and parameter changes left
 * out: GetRun reads a run's warning events and `run events` pages through its
 * events, and a run can have hundreds of thousands of log lines around them.
 * `type` is in it so that the warnings query checks each event's type in the
 * index (it reads one table row per warning, not one per event). Partial, so
 * written as SQL both databases take; the repository's queries say
 * `kind = 'event'` as the predicate does (SQLite uses a partial index only
 * then; `kind in ('event')` is not the same to it). Log-line inserts never
 * write to it. Compared by name by the schema diff.
 */
const EVENTS_INDEX = `create index "run_journal_events_index" on "run_journal" ("run_id", "sequence", "type") where "kind" = 'event'`;

/**
 * Everything that happened to a run, in sequence order: events, state
 * changes, parameter changes and log lines. `WatchRun` resumes from a sequence.
 */
export const RunJournalEntity = defineEntity({
  name: 'RunJournal',
  tableName: 'run_journal',
  uniques: [{ properties: ['run', 'sequence'] }],
  indexes: [{ name: 'run_journal_events_index', expression: EVENTS_INDEX }],
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
