import { Migration } from '@mikro-orm/migrations';

/**
 * The index retention's sweep reads expired runs by (see RunEntity): without
 * it, each batch scanned and sorted every final run. EXPLAIN of the sweep's
 * query uses it on both databases (run-deletions.test.ts checks).
 */
export class Migration20261206190055_finished_runs extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "runs_finished_index" on "runs" (coalesce("finished_at", "state_changed_at"), "id")
  where "state" in ('Done', 'Aborted', 'Cancelled');`);
  }

}
