import type { Logger } from 'pino';
import type { RunState } from '../../common/runs/states.js';
import type { RunBus, RunBusTap, RunChange } from '../scheduler/run-bus.js';
import { journalView } from '../scheduler/run-engine.js';
import { RunEntity } from '../store/entities/run.js';
import { chunksOf, KEYS_PER_QUERY } from '../store/repositories/chunks.js';
import { isUuid } from '../store/repositories/ids.js';
import type { Store } from '../store/store.js';
import type { PgNotifications } from './pg-notifications.js';
import { NoticeCoalescer, parseNotice, RUN_CHANGES_CHANNEL } from './run-change-notice.js';
import { RunDelivery, type RunPosition } from './run-delivery.js';

export interface RunFeedOptions {
  notifications: PgNotifications;
  store: Store;
  bus: RunBus;
  /** This replica's id: notices it sent itself are not read back (its subscribers heard the changes locally). */
  replicaId: string;
  log: Logger;
  /** How often the runs with subscribers here are compared with the database, for notices that were lost (default 1 s). */
  pollIntervalMs?: number;
  /** How long local publishes gather into one notice per run (default 15 ms). */
  coalesceMs?: number;
}

/** A run with subscribers here. */
interface Watched {
  delivery: RunDelivery;
  /** A read (the baseline or a catch-up) is under way; at most one per run. */
  running: boolean;
  /** Something changed during the read: read again after it. */
  again: boolean;
  /** Another replica announced an instances change, to pass on after the catch-up. */
  instances: boolean;
  /** Settles when the baseline read is over (read, or failed: the poll sets it later, as before). */
  baselineRead: Promise<void>;
}

const JOURNAL_PAGE = 1_000;
const ALL_JOURNAL_KINDS: ('event' | 'parameter' | 'log')[] = ['event', 'parameter', 'log'];

/**
 * Carries the run bus between controller replicas on PostgreSQL (issue 19).
 * The run's owner announces its local publishes on RUN_CHANGES_CHANNEL,
 * coalesced per run; a replica with subscribers of the run reads what
 * changed from the tables (journal entries after the last sequence its
 * subscribers heard, the values of the parameters those entries name, the
 * run row's state) and publishes it to them. The tables are the truth: after
 * a reconnect of the notification connection and every poll interval, the
 * watched runs' rows are compared with what was heard, so a lost notice
 * costs at most one interval. Single-controller mode (SQLite) does without.
 */
export class RunFeed implements RunBusTap {
  private readonly runs = new Map<string, Watched>();
  private readonly coalescer: NoticeCoalescer;
  private readonly background = new Set<Promise<unknown>>();
  private readonly log: Logger;
  private stops: (() => void)[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(private readonly options: RunFeedOptions) {
    this.log = options.log;
    this.coalescer = new NoticeCoalescer(
      options.replicaId,
      options.coalesceMs ?? 15,
      (payloads) => options.notifications.notifyAll(RUN_CHANGES_CHANNEL, payloads),
      this.log,
    );
  }

  /** Listens for notices, taps the bus and starts polling. */
  async start(): Promise<void> {
    const { notifications, bus } = this.options;
    this.stops.push(await notifications.listen(RUN_CHANGES_CHANNEL, (payload) => this.heard(payload)));
    this.stops.push(
      notifications.onReconnect(() => {
        this.poll();
        // Notices sent while disconnected are lost; the watchers of every run have no poll of their own.
        bus.missedNotices();
      }),
    );
    this.stops.push(bus.setTap(this));
    for (const runId of bus.watchedRuns()) this.watched(runId);
    this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs ?? 1_000);
    this.pollTimer.unref();
  }

  /** Stops listening and polling, sends the notices still gathering and waits for the reads under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    for (const stop of this.stops.splice(0)) stop();
    await this.coalescer.flush();
    await Promise.allSettled([...this.background]);
  }

  /** RunBusTap: the run's first subscriber came; its delivery starts at the run row as it is now. */
  watched(runId: string): void {
    const watched: Watched = { delivery: new RunDelivery(), running: false, again: false, instances: false, baselineRead: Promise.resolve() };
    this.runs.set(runId, watched);
    watched.baselineRead = this.readBaseline(runId, watched);
  }

  /** RunBusTap: resolves once the run's baseline is read, so that what commits after it reaches the run's subscribers here. */
  listening(runId: string): Promise<void> {
    return this.runs.get(runId)?.baselineRead ?? Promise.resolve();
  }

  /** RunBusTap: nobody here listens to the run any more. */
  unwatched(runId: string): void {
    this.runs.delete(runId);
  }

  /** RunBusTap: the engine here committed a change; announce it, and pass on what subscribers have not heard. */
  published(runId: string, change: RunChange): RunChange | undefined {
    this.coalescer.add(runId, change);
    const watched = this.runs.get(runId);
    return watched ? watched.delivery.local(change, () => this.catchUp(runId)) : change;
  }

  /** RunBusTap: runs deleted here; the other replicas' watchers of every run hear it. */
  deleted(runIds: readonly string[]): void {
    for (const runId of runIds) this.coalescer.addDeleted(runId);
  }

  private heard(payload: string): void {
    const notice = parseNotice(payload);
    if (!notice) {
      this.log.warn({ payload: payload.slice(0, 200) }, 'unreadable run change notice');
      return;
    }
    if (notice.replica === this.options.replicaId) return;
    this.options.bus.noticed(notice.run, notice.kinds);
    const watched = this.runs.get(notice.run);
    if (!watched) return;
    if (notice.kinds.includes('instances')) watched.instances = true;
    this.catchUp(notice.run);
  }

  /** Reads the run row before anything else of the run is read, so that what commits after the subscribe is heard. */
  private readBaseline(runId: string, watched: Watched): Promise<void> {
    watched.running = true;
    const read = readPositions(this.options.store, [runId])
      .then((positions) => {
        const position = positions.get(runId);
        if (position && this.current(runId, watched)) watched.delivery.setBaseline(position);
      })
      .catch((err: unknown) => this.log.warn({ err, runId }, 'run feed baseline not read; the poll retries'))
      .finally(() => this.readDone(runId, watched));
    this.track(read);
    return read;
  }

  /** Brings the run's subscribers up to the tables (`position`: the run row, when just read). */
  private catchUp(runId: string, position?: RunPosition): void {
    const watched = this.runs.get(runId);
    if (!watched || this.stopped) return;
    if (watched.running || !watched.delivery.ready) {
      watched.again = true;
      return;
    }
    watched.running = true;
    watched.again = false;
    this.track(
      this.deliverChanges(runId, watched, position)
        .catch((err: unknown) => this.log.warn({ err, runId }, 'run feed catch-up failed; the poll retries'))
        .finally(() => this.readDone(runId, watched)),
    );
  }

  private readDone(runId: string, watched: Watched): void {
    watched.running = false;
    if (watched.again && watched.delivery.ready) this.catchUp(runId);
  }

  private async deliverChanges(runId: string, watched: Watched, known?: RunPosition): Promise<void> {
    const { store, bus } = this.options;
    const position = known ?? (await readPositions(store, [runId])).get(runId);
    const delivery = watched.delivery;
    if (!position || !this.current(runId, watched)) return;
    const parameterKeys = new Set<string>();
    while (position.lastSequence > delivery.lastSequence) {
      const rows = await store.read((repos) => repos.journal.entries(runId, delivery.lastSequence, ALL_JOURNAL_KINDS, JOURNAL_PAGE));
      if (!this.current(runId, watched)) return;
      const heard = delivery.filter({ kind: 'journal', entries: rows.map(journalView) });
      if (heard?.kind === 'journal') {
        for (const entry of heard.entries) if (entry.kind === 'parameter') parameterKeys.add(entry.subject);
        bus.deliver(runId, heard);
      }
      if (rows.length < JOURNAL_PAGE) break;
    }
    if (parameterKeys.size > 0) {
      // Through the repository, which opens sealed (password) values: subscribers here get what the owner's hear.
      const rows = await store.read((repos) => repos.parameters.values(runId, [...parameterKeys]));
      if (!this.current(runId, watched)) return;
      const byKey = new Map(rows.map((r) => [r.key, r.value]));
      const values = [...parameterKeys].flatMap((key) => (byKey.has(key) ? [{ key, value: byKey.get(key)! }] : []));
      const heard = delivery.filter({ kind: 'parameters', values });
      if (heard) bus.deliver(runId, heard);
    }
    const state = delivery.stateFromRow(position);
    if (state) bus.deliver(runId, state);
    if (watched.instances) {
      watched.instances = false;
      bus.deliver(runId, { kind: 'instances' });
    }
  }

  /** Compares every watched run's row with what its subscribers heard (one query), and catches up those behind. */
  private poll(): void {
    if (this.polling || this.stopped || this.runs.size === 0) return;
    this.polling = true;
    this.track(
      readPositions(this.options.store, [...this.runs.keys()])
        .then((positions) => {
          for (const [runId, watched] of this.runs) {
            if (!watched.delivery.ready) {
              if (!watched.running) this.readBaseline(runId, watched);
              continue;
            }
            const position = positions.get(runId);
            if (position && watched.delivery.behind(position)) this.catchUp(runId, position);
          }
        })
        .catch((err: unknown) => this.log.warn({ err }, 'run feed poll failed'))
        .finally(() => (this.polling = false)),
    );
  }

  private current(runId: string, watched: Watched): boolean {
    return !this.stopped && this.runs.get(runId) === watched;
  }

  private track(task: Promise<unknown>): void {
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }
}

/** The rows of these runs (those that exist), by id. */
async function readPositions(store: Store, runIds: readonly string[]): Promise<Map<string, RunPosition>> {
  return store.read(async (_repos, em) => {
    const positions = new Map<string, RunPosition>();
    // A watch of a run id that is no uuid finds no run; in the query it would fail the poll of every run.
    for (const chunk of chunksOf(runIds.filter(isUuid), KEYS_PER_QUERY)) {
      const rows = await em.find(RunEntity, { id: { $in: chunk } }, { fields: ['id', 'lastSequence', 'state', 'epoch', 'abortMessage'] });
      for (const row of rows) {
        positions.set(row.id, { lastSequence: row.lastSequence, state: row.state as RunState, epoch: row.epoch, abortMessage: row.abortMessage ?? undefined });
      }
    }
    return positions;
  });
}
