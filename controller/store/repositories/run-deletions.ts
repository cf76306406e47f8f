import type { EntityManager } from '@mikro-orm/core';
import { FINAL_STATES } from '../../../common/runs/states.js';
import { RunReportEntity } from '../entities/run-report.js';
import { RunEntity } from '../entities/run.js';
import { isUuid } from './ids.js';
import { dbDate, execute, placeholders } from './raw-sql.js';
import { UsageRepository } from './usage.js';

const FINAL = FINAL_STATES.map((s) => `'${s}'`).join(', ');
/** The VM states of an instance whose VM may still exist (the domain's instancesWithVm). */
const VM_MAY_EXIST = `'pending', 'running'`;
const NO_VM_LEFT = `not exists (select 1 from run_instances i where i.run_id = r.id and i.vm in (${VM_MAY_EXIST}))`;

/**
 * ? finished before, ? limit. Final runs with no VM left that finished before
 * the cutoff, oldest first. `finished_at` is set when a run turns final;
 * the state change time stands in for a row that has none. The state
 * predicate and the expression are those of `runs_finished_index`, written
 * alike so that SQLite, too, reads the index in order and stops at the limit.
 */
export const EXPIRED_RUNS_SQL = `select r.id from runs r
  where r.state in (${FINAL}) and coalesce(r.finished_at, r.state_changed_at) < ? and ${NO_VM_LEFT}
  order by coalesce(r.finished_at, r.state_changed_at), r.id limit ?`;

/** The tables that hold rows of a run (each by `run_id`, its first indexed column): every one, the journal first (the largest). */
const RUN_CHILD_TABLES = ['run_journal', 'run_parameters', 'run_reports', 'run_requests', 'run_tags', 'run_instances'] as const;

/**
 * Deleting runs for good (retention and DeleteRun): only final runs none of
 * whose VMs may still exist, with their rows in every table. The report
 * files are the caller's to remove (their paths are returned), after the
 * rows are gone.
 */
export class RunDeletionRepository {
  constructor(private readonly em: EntityManager) {}

  /** Up to `limit` runs that may be deleted and turned final before `before`, oldest first. */
  async expired(before: Date, limit: number): Promise<string[]> {
    const rows = await execute<{ id: string }[]>(this.em, EXPIRED_RUNS_SQL, [dbDate(this.em, before), limit], 'all');
    return rows.map((row) => row.id);
  }

  /** Of these runs, those that may be deleted: they exist, are final and have no VM left. */
  async deletable(runIds: readonly string[]): Promise<string[]> {
    const ids = runIds.filter(isUuid);
    if (ids.length === 0) return [];
    const sql = `select r.id from runs r where r.id in (${placeholders(ids.length)}) and r.state in (${FINAL}) and ${NO_VM_LEFT}`;
    const rows = await execute<{ id: string }[]>(this.em, sql, ids, 'all');
    return rows.map((row) => row.id);
  }

  /**
   * Deletes these runs (checked by `deletable` in the same transaction) and
   * every row of theirs, their usage kept in usage_archive; returns the paths of their report files. The
   * foreign keys cascade too, but the children go first, explicitly, so that
   * nothing depends on SQLite's per-connection foreign_keys setting.
   */
  async delete(runIds: readonly string[]): Promise<{ runs: number; reportPaths: string[] }> {
    if (runIds.length === 0) return { runs: 0, reportPaths: [] };
    const reports = await this.em.find(RunReportEntity, { run: { $in: [...runIds] } }, { fields: ['path'] });
    const ids = placeholders(runIds.length);
    // Usage over a period still counts a run deleted since (usage_archive).
    await new UsageRepository(this.em).archive(runIds);
    for (const table of RUN_CHILD_TABLES) await execute(this.em, `delete from ${table} where run_id in (${ids})`, runIds, 'run');
    const runs = await this.em.nativeDelete(RunEntity, { id: { $in: [...runIds] } });
    return { runs, reportPaths: reports.map((report) => report.path) };
  }

  /** Of these run ids, those with no run row (deleted, or never a run). */
  async missing(runIds: readonly string[]): Promise<string[]> {
    if (runIds.length === 0) return [];
    const present = new Set((await this.em.find(RunEntity, { id: { $in: [...runIds] } }, { fields: ['id'] })).map((row) => row.id));
    return runIds.filter((id) => !present.has(id));
  }
}
