import { readdir, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Logger } from 'pino';
import { chunksOf } from '../store/repositories/chunks.js';
import { isUuid } from '../store/repositories/ids.js';
import type { Store } from '../store/store.js';

/** Run ids asked about in one query when looking for report folders of deleted runs. */
const IDS_PER_QUERY = 500;

/**
 * What else of a run this replica keeps, outside the run's rows and reports:
 * local VM folders, held leases, caches. Deleting a run removes it here; on
 * the other replicas (and after a crash) the sweep finds it by asking which
 * of `runIds` no longer exist.
 */
export interface RunRemnants {
  /** What it is, for the log. */
  readonly name: string;
  /** The runs it keeps something of. */
  runIds(): Promise<readonly string[]>;
  /** Removes what it keeps of these deleted runs (only theirs). */
  remove(runIds: readonly string[]): Promise<void>;
}

/**
 * Deletes final runs for good, for retention and DeleteRun: their rows in
 * one transaction (only runs that are final with no VM left, checked in
 * it), then their report files. Reports live in the data dir of the replica
 * that received them (`<dataDir>/reports/<runId>/`); every replica removes
 * the folders of runs that no longer exist from its own (`removeOrphanReports`),
 * which also finishes what a crash between the commit and the files left.
 * The same goes for the `remnants` (removeOrphanRemnants).
 */
export class RunDeletion {
  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
    private readonly log: Logger,
    private readonly remnants: readonly RunRemnants[] = [],
    /** Told the runs deleted, once their rows are gone (RunBus.deleted: the run list watchers hear it). */
    private readonly onDeleted: (runIds: readonly string[]) => void = () => {},
  ) {}

  /** Deletes those of `runIds` that may be deleted (final, no VM left); returns the ids it deleted. */
  async delete(runIds: readonly string[]): Promise<string[]> {
    const { deleted, reportPaths } = await this.store.write(async (repos) => {
      const ids = await repos.deletions.deletable(runIds);
      const { reportPaths } = await repos.deletions.delete(ids);
      return { deleted: ids, reportPaths };
    });
    if (deleted.length > 0) this.onDeleted(deleted);
    await this.removeReports(deleted, reportPaths);
    if (deleted.length > 0) for (const remnant of this.remnants) await this.removeRemnant(remnant, deleted);
    return deleted;
  }

  /** Removes what the remnants keep of runs that no longer exist; returns how many runs had something left. */
  async removeOrphanRemnants(): Promise<number> {
    const runs = new Set<string>();
    for (const remnant of this.remnants) {
      const ids = (await remnant.runIds()).filter(isUuid);
      for (const chunk of chunksOf(ids, IDS_PER_QUERY)) {
        const gone = await this.store.read((repos) => repos.deletions.missing(chunk));
        if (gone.length === 0) continue;
        await this.removeRemnant(remnant, gone);
        for (const runId of gone) runs.add(runId);
      }
    }
    if (runs.size > 0) this.log.info({ runs: runs.size }, 'removed what deleted runs left on this replica');
    return runs.size;
  }

  /** One remnant's failure leaves the others to run; the next sweep tries again. */
  private async removeRemnant(remnant: RunRemnants, runIds: readonly string[]): Promise<void> {
    await remnant.remove(runIds).catch((err: unknown) => this.log.warn({ err, remnant: remnant.name, runs: runIds.length }, 'could not remove what deleted runs left'));
  }

  /** Removes the report folders in this data dir whose runs no longer exist; returns how many. */
  async removeOrphanReports(): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.reportsDir(), { withFileTypes: true })).filter((e) => e.isDirectory() && isUuid(e.name)).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const chunk of chunksOf(names, IDS_PER_QUERY)) {
      const gone = await this.store.read((repos) => repos.deletions.missing(chunk));
      for (const runId of gone) await rm(join(this.reportsDir(), runId), { recursive: true, force: true });
      removed += gone.length;
    }
    if (removed > 0) this.log.info({ folders: removed }, 'removed the reports of deleted runs');
    return removed;
  }

  /** The runs' report folders here, and any report file of theirs stored elsewhere (another data dir on this host). */
  private async removeReports(runIds: readonly string[], reportPaths: readonly string[]): Promise<void> {
    const folders = runIds.map((runId) => join(this.reportsDir(), runId));
    const elsewhere = reportPaths.filter((path) => !folders.some((folder) => path.startsWith(folder + sep)));
    for (const path of [...folders, ...elsewhere]) {
      await rm(path, { recursive: true, force: true }).catch((err: unknown) => this.log.warn({ err, path }, 'could not remove a deleted run’s reports'));
    }
  }

  private reportsDir(): string {
    return join(this.dataDir, 'reports');
  }
}
