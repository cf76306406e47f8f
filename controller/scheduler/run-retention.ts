import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { RunDeletion } from './run-deletion.js';

const DAY_MS = 24 * 3600_000;

/** How retention runs; see DEFAULT_RETENTION_SWEEP. */
export interface RetentionSweepOptions {
  /** Days a final run is kept after it turned final; 0 keeps runs forever. */
  retentionDays: number;
  /** Time between two sweeps (one also runs at start). */
  intervalMs: number;
  /** Runs deleted in one transaction. */
  batchSize: number;
}

/**
 * Hourly, 100 runs a transaction: a batch of 100 runs with their journals
 * commits in tens of milliseconds (bench figure in the README, Retention).
 */
export const DEFAULT_RETENTION_SWEEP: Omit<RetentionSweepOptions, 'retentionDays'> = Object.freeze({ intervalMs: 3600_000, batchSize: 100 });

/** What one sweep did. */
export interface RetentionSweepReport {
  /** Runs deleted (by this replica; none on a replica that does not run the singleton work). */
  runs: number;
  /** Report folders of deleted runs removed from this replica's data dir. */
  reportFolders: number;
  /** Deleted runs whose other remnants here (local VM folders, held leases, caches) were removed. */
  remnants: number;
}

/** What the sweep must know of the replicas sharing the database. */
export interface RetentionReplica {
  /** Whether this replica runs the work that must run once (deleting expired runs). */
  runsSingletonWork(): Promise<boolean>;
}

/**
 * Deletes the runs that turned final more than the retention period ago,
 * with everything kept of them, once at start and then periodically. Among
 * replicas only the holder of the singleton-work lock deletes runs; every
 * replica removes from its own data dir the reports of runs that are gone,
 * and what else it kept of them (RunRemnants).
 *
 * A backlog is deleted in batches, each its own transaction, with a pause
 * as long as the batch took between two: the sweep takes at most about half
 * of the database's time, and never holds a write lock for long (SQLite has
 * one writer at a time).
 */
export class RunRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionSweepReport> | undefined;
  private stopping = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly deletion: RunDeletion,
    private readonly options: RetentionSweepOptions,
    private readonly log: Logger,
    private readonly replica: RetentionReplica = { runsSingletonWork: async () => true },
    private readonly now: () => number = Date.now,
  ) {}

  /** Sweeps now (not awaited), then every interval. */
  start(): void {
    const sweep = () => void this.sweep().catch((err: unknown) => this.log.error({ err }, 'retention sweep failed'));
    sweep();
    this.timer = setInterval(sweep, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and ends a sweep under way after its current batch. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.running?.catch(() => undefined);
  }

  /** One sweep; one at a time (a sweep asked for during another shares it). */
  sweep(): Promise<RetentionSweepReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<RetentionSweepReport> {
    const runs = this.options.retentionDays > 0 && (await this.replica.runsSingletonWork()) ? await this.deleteExpired() : 0;
    const reportFolders = this.stopping.signal.aborted ? 0 : await this.deletion.removeOrphanReports();
    const remnants = this.stopping.signal.aborted ? 0 : await this.deletion.removeOrphanRemnants();
    return { runs, reportFolders, remnants };
  }

  /** Deletes every run that expired, a batch at a time. */
  private async deleteExpired(): Promise<number> {
    const before = new Date(this.now() - this.options.retentionDays * DAY_MS);
    const started = performance.now();
    let deleted = 0;
    while (!this.stopping.signal.aborted) {
      const batchStarted = performance.now();
      const expired = await this.store.read((repos) => repos.deletions.expired(before, this.options.batchSize));
      if (expired.length === 0) break;
      const ids = await this.deletion.delete(expired);
      deleted += ids.length;
      // Nothing deleted of what was found (another replica or a DeleteRun got there first): the next sweep looks again.
      if (ids.length === 0 || expired.length < this.options.batchSize) break;
      await sleep(performance.now() - batchStarted, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
    if (deleted > 0) {
      this.log.info({ runs: deleted, retentionDays: this.options.retentionDays, ms: Math.round(performance.now() - started) }, 'deleted expired runs');
    }
    return deleted;
  }
}
