import type { Logger } from 'pino';
import type { RunInput } from '../domain/runs/types.js';
import type { ParameterSet } from '../scheduler/parameter-writer.js';
import type { SetOutcome } from '../scheduler/run-batch.js';
import { LeaseLostError } from '../scheduler/run-ownership.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import { errorToJson } from './domain-error-json.js';
import type { PgNotifications } from './pg-notifications.js';
import {
  RUN_ANSWERS_CHANNEL,
  RUN_REQUESTS_CHANNEL,
  parseRequestJson,
  requestJson,
  type RunRequestAnswer,
  type RunRequestBody,
} from './run-request-protocol.js';
import type { SqlExecutor } from './sql-executor.js';

/** The owner's run engine, as far as requests reach it (RunEngine has this shape). */
export interface LocalRuns {
  dispatch(runId: string, input: RunInput): Promise<unknown>;
  setParameters(runId: string, sets: { key: string; value: string }[], actor: string): Promise<SetOutcome>;
  appendLogs(runId: string, entries: JournalEntry[]): Promise<void>;
}

/** What {@link RunRequestServer} is given. */
export interface RunRequestServerOptions {
  db: SqlExecutor;
  notifications: Pick<PgNotifications, 'listen' | 'onReconnect'>;
  local: LocalRuns;
  /** Whether this replica holds the run's lease (it may ask the database). */
  owns(runId: string): Promise<boolean>;
  log: Logger;
  /** How often the unanswered requests are swept for runs this replica owns; default 2 s. */
  sweepMs?: number;
  /** Requests claimed (and handed to the engine together) at a time; default 100. */
  claimBatch?: number;
  /** Rows older than this are deleted by the sweep: their asker is gone; default 10 min (far beyond any asker's deadline). */
  retentionMs?: number;
}

type BatchResult = 'empty' | 'served' | 'lost';

/**
 * The owner's side of run requests: it claims the unanswered requests of a
 * run it owns, oldest first, hands them to the run engine in that order,
 * and writes each one's answer (NOTIFYing its asker). It looks for them when
 * a request is NOTIFYed for a run it owns, when it takes a run on
 * (`serveRun`), and on a periodic sweep (also after the notification
 * connection came back).
 *
 * A claim is one UPDATE that sets `answered_at` on rows still unclaimed, so
 * two replicas that both believe they own a run never both apply one
 * request, and a request is applied at most once. A request the engine
 * refused with LeaseLostError (its commit was fenced: it applied nothing) is
 * unclaimed and NOTIFYed again for the run's new owner.
 *
 * Parameter sets of one request by several actors go to the engine as one
 * call per run of consecutive sets by the same actor, their outcomes merged.
 */
export class RunRequestServer {
  private readonly db: SqlExecutor;
  private readonly serving = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private sweeping: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: RunRequestServerOptions) {
    this.db = options.db;
  }

  /** Listens for requests and starts the sweep (the first one at once: requests may have waited while no owner ran). */
  async start(): Promise<void> {
    const { notifications } = this.options;
    this.unsubscribe.push(
      await notifications.listen(RUN_REQUESTS_CHANNEL, (runId) => void this.requested(runId)),
      notifications.onReconnect(() => void this.sweep()),
    );
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs ?? 2_000);
    this.sweepTimer.unref();
    void this.sweep();
  }

  /** Stops looking for requests; resolves once the ones being applied are answered. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const stop of this.unsubscribe.splice(0)) stop();
    await this.sweeping;
    await Promise.allSettled([...this.serving.values()]);
  }

  /**
   * Applies the run's unanswered requests, now and until none are left:
   * called when this replica adopts or takes over the run. Resolves when
   * they are answered (a call while it serves the run joins that pass).
   */
  serveRun(runId: string): Promise<void> {
    const current = this.serving.get(runId);
    if (current) {
      this.again.add(runId);
      return current;
    }
    const drain = this.drain(runId)
      .catch((err: unknown) => this.options.log.error({ err, runId }, 'serving run requests failed'))
      .finally(() => this.serving.delete(runId));
    this.serving.set(runId, drain);
    return drain;
  }

  /** One pass over the unanswered requests of every run this replica owns; resolves once they are answered. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((err: unknown) => this.options.log.warn({ err }, 'sweeping run requests failed'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    if (this.stopped) return;
    const retentionSeconds = (this.options.retentionMs ?? 600_000) / 1000;
    await this.db.execute('delete from run_requests where created_at < now() - make_interval(secs => ?)', [retentionSeconds]);
    const runs = await this.db.execute<{ run_id: string }>('select distinct run_id from run_requests where answered_at is null', []);
    await Promise.all(runs.map((row) => this.requested(row.run_id)));
  }

  private async requested(runId: string): Promise<void> {
    if (this.stopped) return;
    try {
      if (await this.options.owns(runId)) await this.serveRun(runId);
    } catch (err) {
      this.options.log.warn({ err, runId }, 'checking run ownership failed');
    }
  }

  private async drain(runId: string): Promise<void> {
    for (;;) {
      this.again.delete(runId);
      if (this.stopped) return;
      const result = await this.serveBatch(runId);
      if (result === 'lost') return;
      if (result === 'empty' && !this.again.has(runId)) return;
    }
  }

  private async serveBatch(runId: string): Promise<BatchResult> {
    const claimed = await this.db.execute<{ id: string; body: string }>(
      `with claimed as (
         update run_requests set answered_at = now()
         where id in (select id from run_requests where run_id = ? and answered_at is null
                      order by created_at, id limit ? for update skip locked)
         returning id, body, created_at)
       select id, body from claimed order by created_at, id`,
      [runId, this.options.claimBatch ?? 100],
    );
    if (claimed.length === 0) return 'empty';
    // Started together, in order: the engine commits them in that order, batched.
    const outcomes = await Promise.allSettled(claimed.map((row) => this.apply(runId, row.body)));
    let lost = false;
    await Promise.all(
      outcomes.map((outcome, i) => {
        const id = claimed[i]!.id;
        if (outcome.status === 'rejected' && outcome.reason instanceof LeaseLostError) {
          lost = true;
          return this.unclaim(id);
        }
        if (outcome.status === 'rejected') this.options.log.debug({ err: outcome.reason, runId, requestId: id }, 'run request failed');
        const answer: RunRequestAnswer = outcome.status === 'fulfilled' ? { result: outcome.value } : { error: errorToJson(outcome.reason) };
        return this.answer(id, answer);
      }),
    );
    if (lost) this.options.log.info({ runId }, 'run moved to another replica; its requests left for the new owner');
    return lost ? 'lost' : 'served';
  }

  /** Hands one request to the engine; its calls are made before the first await, so requests keep their order. */
  private async apply(runId: string, body: string): Promise<unknown> {
    const request = parseRequestJson<RunRequestBody>(body);
    const { local } = this.options;
    switch (request.kind) {
      case 'dispatch':
        await local.dispatch(runId, request.input);
        return null;
      case 'sets':
        return mergeOutcomes(await Promise.all(byActor(request.sets).map((group) => local.setParameters(runId, group.sets, group.actor))));
      case 'logs':
        await local.appendLogs(runId, request.entries);
        return null;
    }
  }

  private async answer(id: string, answer: RunRequestAnswer): Promise<void> {
    try {
      await this.db.execute(
        `with answered as (update run_requests set answer = ? where id = ? returning id)
         select pg_notify(?, id::text) from answered`,
        [requestJson(answer), id, RUN_ANSWERS_CHANNEL],
      );
    } catch (err) {
      this.options.log.error({ err, requestId: id }, 'writing a run request answer failed');
    }
  }

  private async unclaim(id: string): Promise<void> {
    try {
      await this.db.execute(
        `with unclaimed as (update run_requests set answered_at = null where id = ? and answer is null returning run_id)
         select pg_notify(?, run_id::text) from unclaimed`,
        [id, RUN_REQUESTS_CHANNEL],
      );
    } catch (err) {
      this.options.log.error({ err, requestId: id }, 'unclaiming a run request failed');
    }
  }
}

/** Consecutive sets by the same actor, in order. */
function byActor(sets: readonly ParameterSet[]): { actor: string; sets: { key: string; value: string }[] }[] {
  const groups: { actor: string; sets: { key: string; value: string }[] }[] = [];
  for (const { key, value, actor } of sets) {
    const last = groups.at(-1);
    if (last?.actor === actor) last.sets.push({ key, value });
    else groups.push({ actor, sets: [{ key, value }] });
  }
  return groups;
}

/** One outcome for several calls: each key's last value, in the order of its first change; unknown keys once each. */
function mergeOutcomes(outcomes: readonly SetOutcome[]): SetOutcome {
  if (outcomes.length === 1) return outcomes[0]!;
  const changes = new Map<string, string | null>();
  const unknown = new Set<string>();
  for (const outcome of outcomes) {
    for (const change of outcome.changes) changes.set(change.key, change.value);
    for (const key of outcome.unknown) unknown.add(key);
  }
  return { changes: [...changes].map(([key, value]) => ({ key, value })), unknown: [...unknown] };
}
