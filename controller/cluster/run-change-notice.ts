import type { Logger } from 'pino';
import type { RunActivityKind, RunChange } from '../scheduler/run-bus.js';

/** The channel on which replicas announce the run changes they committed. */
export const RUN_CHANGES_CHANNEL = 'slipstream_run_changes';

const KINDS: readonly RunActivityKind[] = ['journal', 'parameters', 'state', 'instances', 'deleted'];

/**
 * That a run changed, not the change: a replica that has subscribers of the
 * run reads what changed from the database. Small whatever the change
 * (PostgreSQL refuses payloads of 8000 bytes or more).
 */
export interface RunChangeNotice {
  run: string;
  /** The replica that committed the change. */
  replica: string;
  /** The run's last journal sequence after the change, when it journaled any. */
  seq?: number;
  kinds: RunActivityKind[];
}

/** The notice in a payload, or undefined when the payload is not one (logged by the caller). */
export function parseNotice(payload: string): RunChangeNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { run, replica, seq, kinds } = value as Record<string, unknown>;
  if (typeof run !== 'string' || typeof replica !== 'string' || !Array.isArray(kinds)) return undefined;
  if (seq !== undefined && (typeof seq !== 'number' || !Number.isInteger(seq))) return undefined;
  return { run, replica, seq, kinds: KINDS.filter((k) => kinds.includes(k)) };
}

/** The most notices one send carries (one statement each: bounded whatever the tick gathered). */
const NOTICES_PER_SEND = 1_000;

/**
 * Coalesces this replica's local publishes into notices: at most one per
 * run per tick, sent one tick after the run's first change in it, and never
 * two ticks' sends at once (while one is out, the next gathers), so that
 * thousands of commits a second become a few notices each covering many.
 * A tick's notices of every run go out together (one statement per
 * NOTICES_PER_SEND), not one round trip per run.
 */
export class NoticeCoalescer {
  private pending = new Map<string, { seq?: number; kinds: Set<RunActivityKind> }>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly replica: string,
    private readonly tickMs: number,
    /** Sends these notices (one statement: all or none). */
    private readonly send: (payloads: string[]) => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Notes a change published here. */
  add(runId: string, change: RunChange): void {
    const notice = this.noted(runId, change.kind);
    const last = change.kind === 'journal' ? change.entries.at(-1)?.sequence : undefined;
    if (last !== undefined) notice.seq = Math.max(notice.seq ?? 0, last);
    this.schedule();
  }

  /** Notes that this replica deleted the run. */
  addDeleted(runId: string): void {
    this.noted(runId, 'deleted');
    this.schedule();
  }

  private noted(runId: string, kind: RunActivityKind): { seq?: number; kinds: Set<RunActivityKind> } {
    let notice = this.pending.get(runId);
    if (!notice) this.pending.set(runId, (notice = { kinds: new Set() }));
    notice.kinds.add(kind);
    return notice;
  }

  /** Sends what is pending now and waits for it (on stop). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    await this.sendPending();
  }

  private schedule(): void {
    if (this.timer || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.sendPending().finally(() => {
        this.sending = undefined;
        if (this.pending.size > 0) this.schedule();
      });
    }, this.tickMs);
    this.timer.unref();
  }

  private async sendPending(): Promise<void> {
    const payloads = [...this.pending].map(([run, { seq, kinds }]) => {
      const notice: RunChangeNotice = { run, replica: this.replica, ...(seq === undefined ? {} : { seq }), kinds: [...kinds] };
      return JSON.stringify(notice);
    });
    this.pending = new Map();
    const sends: Promise<void>[] = [];
    for (let start = 0; start < payloads.length; start += NOTICES_PER_SEND) {
      const chunk = payloads.slice(start, start + NOTICES_PER_SEND);
      sends.push(
        this.send(chunk).catch((err: unknown) => {
          // The other replicas' poll catches up from the tables.
          this.log.warn({ err, notices: chunk.length }, 'run change notices not sent');
        }),
      );
    }
    await Promise.all(sends);
  }
}
