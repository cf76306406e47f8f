import type { EntityManager } from '@mikro-orm/core';
import { RunJournalEntity, type RunJournalRow } from '../entities/run-journal.js';
import type { RunRow } from '../entities/run.js';
import { chunksOf, ROWS_PER_INSERT } from './chunks.js';
import { JOURNAL_INSERT_FROM_JSON } from './json-rows-sql.js';
import { dbDate, execute, executeBound, isPostgres } from './raw-sql.js';
import { timeOrderedUuid } from './time-ordered-id.js';

/** One entry to journal; the sequence is assigned on append. */
export interface JournalEntry {
  kind: 'event' | 'parameter' | 'log';
  type: string;
  actor?: string;
  instance?: string;
  subject?: string;
  text: string;
  time?: Date;
}

/** Journal rows for entries numbered after `lastSequence`. */
export function journalRows(runId: string, lastSequence: number, entries: readonly JournalEntry[]): RunJournalRow[] {
  const now = new Date();
  return entries.map(
    (e, i): RunJournalRow => ({
      id: timeOrderedUuid(),
      run: runId,
      sequence: lastSequence + i + 1,
      time: e.time ?? now,
      kind: e.kind,
      type: e.type,
      actor: e.actor ?? '',
      instance: e.instance ?? '',
      subject: e.subject ?? '',
      text: e.text,
    }),
  );
}

/**
 * A run's journal: events, parameter changes and log lines, numbered by the
 * run row's last sequence number. Entries are staged as plain rows and
 * inserted in bulk when the unit of work flushes (flush): a
 * batch journals thousands, and managed entities would cost the unit of work
 * for each.
 */
export class RunJournalRepository {
  private readonly staged: RunJournalRow[] = [];

  constructor(private readonly em: EntityManager) {}

  /** Stages entries with the run's next sequence numbers (and counts them on the row). */
  append(run: RunRow, entries: readonly JournalEntry[]): RunJournalRow[] {
    const rows = this.stage(run.id, run.lastSequence, entries);
    run.lastSequence += entries.length;
    return rows;
  }

  /** Like append, for a writer that allocated the sequence numbers after `lastSequence` itself (RunRepository.advanceRun). */
  stage(runId: string, lastSequence: number, entries: readonly JournalEntry[]): RunJournalRow[] {
    const rows = journalRows(runId, lastSequence, entries);
    this.staged.push(...rows);
    return rows;
  }

  /**
   * Entries after a sequence, oldest first. Events alone are read from
   * `run_journal_events_index`: one kind is asked for as `kind = ...`, which
   * SQLite matches to the index's predicate (not `kind in (...)`).
   */
  entries(runId: string, after: number, kinds: JournalEntry['kind'][], limit: number, instance?: string): Promise<RunJournalRow[]> {
    return this.em.find(
      RunJournalEntity,
      { run: runId, sequence: { $gt: after }, kind: kinds.length === 1 ? kinds[0] : { $in: kinds }, ...(instance ? { instance } : {}) },
      { orderBy: { sequence: 'asc' }, limit },
    );
  }

  /**
   * The texts of a run's first `limit` events of these types, oldest first.
   * Reads `run_journal_events_index` (the run's events and their types, not
   * its log lines) and a table row per match: for one run at a time
   * (GetRun), not for a listing, as it still walks all of the run's events.
   */
  async eventTexts(runId: string, types: readonly string[], limit: number): Promise<string[]> {
    const rows = await this.em.find(
      RunJournalEntity,
      { run: runId, kind: 'event', type: { $in: [...types] } },
      { orderBy: { sequence: 'asc' }, limit, fields: ['text'] },
    );
    return rows.map((r) => r.text);
  }

  /**
   * Writes the unit of work's changes (Repositories.flush): the staged
   * entries in bulk (on PostgreSQL as one JSON value, on SQLite as bound
   * values), then the managed entities.
   */
  async flush(): Promise<void> {
    const journal = this.staged.splice(0);
    if (isPostgres(this.em) && journal.length > 0) {
      await executeBound(this.em, JOURNAL_INSERT_FROM_JSON, [JSON.stringify(journal)]);
      return this.em.flush();
    }
    for (const chunk of chunksOf(journal, ROWS_PER_INSERT)) {
      await execute(
        this.em,
        `insert into run_journal (id, run_id, sequence, "time", kind, "type", actor, instance, subject, "text") values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((r) => [r.id, r.run, r.sequence, dbDate(this.em, r.time), r.kind, r.type, r.actor, r.instance, r.subject, r.text]),
        'run',
      );
    }
    await this.em.flush();
  }
}
