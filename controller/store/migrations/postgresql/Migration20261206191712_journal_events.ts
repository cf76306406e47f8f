import { Migration } from '@mikro-orm/migrations';

/**
 * The index of a run's events (see RunJournalEntity): without it, GetRun's
 * warnings query and `run events` walked every log line of the run (GetRun
 * of a 100,000-row run: 24-38 ms on SQLite, 54-67 ms on PostgreSQL; 9-13 and
 * 10-12 ms with it). EXPLAIN of both queries uses it on both databases
 * (run-journal-events.test.ts checks).
 */
export class Migration20261206191712_journal_events extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "run_journal_events_index" on "run_journal" ("run_id", "sequence", "type") where "kind" = 'event';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "run_journal_events_index";`);
  }

}
