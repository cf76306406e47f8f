import type { Logger } from 'pino';
import { UnavailableError } from '../../common/errors.js';
import type { RunInput } from '../domain/runs/types.js';
import type { ParameterSet } from '../scheduler/parameter-writer.js';
import { KeyedLock } from '../concurrency/keyed-lock.js';
import type { SetOutcome } from '../scheduler/run-batch.js';
import type { RemoteRuns } from '../scheduler/run-ownership.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import { timeOrderedUuid } from '../store/repositories/time-ordered-id.js';
import { errorFromJson } from './domain-error-json.js';
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

/** What {@link RunRequestClient} is given. */
export interface RunRequestClientOptions {
  db: SqlExecutor;
  notifications: Pick<PgNotifications, 'listen' | 'onReconnect'>;
  /** This replica's id: the requests it asked carry it, and it alone reads and deletes them. */
  replicaId: string;
  log: Logger;
  /** How long a request waits for the owner's answer, once written; default 30 s. */
  deadlineMs?: number;
  /** How often the answers are read without a notification (a missed one); default 500 ms. */
  pollMs?: number;
}

/** How a request ended, as the collector found it. */
type Outcome = { answer: string } | { missing: true } | { error: Error };

interface Waiting {
  settle(outcome: Outcome): void;
  timer: NodeJS.Timeout | undefined;
}

/** PostgreSQL's foreign_key_violation: the run does not exist (any more). */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The asking side of run requests: work for a run that another replica owns
 * is written to run_requests, the owner is woken by NOTIFY, and the call
 * resolves with the owner's answer (or rejects with its error, as the same
 * domain error class) once the owner applied it. Calls for one run are
 * applied in the order they were made. Answers are read on their
 * NOTIFY and by a poll, so a missed notification only delays one.
 *
 * A run that does not exist resolves as the engine would (nothing applied,
 * every key unknown). After the deadline the call rejects with
 * UnavailableError and withdraws its request; if the owner had already taken
 * it, it may or may not have applied it, and the message says so.
 */
export class RunRequestClient implements RemoteRuns {
  private readonly db: SqlExecutor;
  private readonly deadlineMs: number;
  private readonly waiting = new Map<string, Waiting>();
  private readonly expired = new Set<string>();
  /** A run's requests are written one after another, so that the owner applies them in the order of the calls. */
  private readonly writes = new KeyedLock();
  private collecting: Promise<void> | undefined;
  private collectAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: RunRequestClientOptions) {
    this.db = options.db;
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  /** Listens for answers; call before the first request. */
  async start(): Promise<void> {
    const { notifications } = this.options;
    this.unsubscribe.push(
      await notifications.listen(RUN_ANSWERS_CHANNEL, (requestId) => {
        if (this.waiting.has(requestId)) this.collect();
      }),
      notifications.onReconnect(() => this.collect()),
    );
    this.pollTimer = setInterval(() => {
      if (this.waiting.size > 0) this.collect();
    }, this.options.pollMs ?? 500);
    this.pollTimer.unref();
  }

  /** Fails the requests still waiting (UNAVAILABLE) and withdraws them. */
  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    for (const stop of this.unsubscribe.splice(0)) stop();
    await this.collecting;
    for (const id of [...this.waiting.keys()]) this.settle(id, { error: new UnavailableError('this controller replica is stopping') });
    await this.db.execute('delete from run_requests where asked_by = ?', [this.options.replicaId]).catch((err: unknown) => {
      this.options.log.warn({ err }, 'withdrawing run requests failed');
    });
  }

  dispatch(runId: string, input: RunInput): Promise<void> {
    return this.ask(runId, { kind: 'dispatch', input }, undefined);
  }

  setParameters(runId: string, sets: readonly ParameterSet[]): Promise<SetOutcome> {
    return this.ask(runId, { kind: 'sets', sets: [...sets] }, { changes: [], unknown: sets.map((s) => s.key) });
  }

  appendLogs(runId: string, entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.ask(runId, { kind: 'logs', entries: [...entries] }, undefined);
  }

  /** Writes the request, waits for its outcome; `missing` is the result when the run does not exist. */
  private async ask<T>(runId: string, body: RunRequestBody, missing: T): Promise<T> {
    const id = timeOrderedUuid();
    const waiting: Waiting = { settle: () => undefined, timer: undefined };
    const outcome = new Promise<Outcome>((resolve) => {
      waiting.settle = resolve;
    });
    // Registered before the insert: the answer's notification may come before the insert's reply.
    this.waiting.set(id, waiting);
    try {
      const text = requestJson(body);
      await this.writes.run(runId, () =>
        this.db.execute(
          `with asked as (insert into run_requests (id, run_id, asked_by, body, created_at) values (?, ?, ?, ?, clock_timestamp()) returning run_id)
           select pg_notify(?, run_id::text) from asked`,
          [id, runId, this.options.replicaId, text, RUN_REQUESTS_CHANNEL],
        ),
      );
    } catch (err) {
      this.waiting.delete(id);
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return missing;
      throw err;
    }
    // Started once the row is written, so that an expiry always finds the row it withdraws.
    if (this.waiting.has(id)) {
      waiting.timer = setTimeout(() => {
        this.expired.add(id);
        this.collect();
      }, this.deadlineMs);
    }
    const ended = await outcome;
    if ('error' in ended) throw ended.error;
    if ('missing' in ended) return missing;
    const answer = parseRequestJson<RunRequestAnswer>(ended.answer);
    if ('error' in answer) throw errorFromJson(answer.error);
    return (answer.result ?? undefined) as T;
  }

  private settle(id: string, outcome: Outcome): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    this.expired.delete(id);
    clearTimeout(waiting.timer);
    waiting.settle(outcome);
  }

  /** Reads the answers (one pass at a time; a call during a pass runs another after it). */
  private collect(): void {
    if (this.collecting) {
      this.collectAgain = true;
      return;
    }
    this.collecting = this.collectOnce()
      .catch((err: unknown) => this.options.log.warn({ err }, 'reading run request answers failed'))
      .finally(() => {
        this.collecting = undefined;
        if (this.collectAgain) {
          this.collectAgain = false;
          this.collect();
        }
      });
  }

  private async collectOnce(): Promise<void> {
    const answered = await this.db.execute<{ id: string; answer: string }>(
      'delete from run_requests where asked_by = ? and answer is not null returning id, answer',
      [this.options.replicaId],
    );
    for (const row of answered) this.settle(row.id, { answer: row.answer });
    // After the pass above, in the same pass: a row an expiry does not find was deleted with its run.
    for (const id of [...this.expired]) await this.expire(id);
  }

  private async expire(id: string): Promise<void> {
    const seconds = Math.round(this.deadlineMs / 100) / 10;
    try {
      const [row] = await this.db.execute<{ answered_at: Date | null; answer: string | null }>(
        'delete from run_requests where id = ? returning answered_at, answer',
        [id],
      );
      if (!row) this.settle(id, { missing: true });
      else if (row.answer !== null) this.settle(id, { answer: row.answer });
      else if (row.answered_at === null) {
        this.settle(id, { error: new UnavailableError(`the run's controller replica did not answer within ${seconds} s`) });
      } else {
        this.settle(id, {
          error: new UnavailableError(`the run's controller replica took the request but did not finish it within ${seconds} s; it may or may not have applied it`),
        });
      }
    } catch (err) {
      this.options.log.warn({ err, requestId: id }, 'withdrawing a run request failed');
      this.settle(id, { error: new UnavailableError(`the run's controller replica did not answer within ${seconds} s`) });
    }
  }
}
