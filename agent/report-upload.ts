/**
 * How long the agent keeps trying to upload its report: a controller restart
 * (or a replica's takeover) can keep every address away for tens of seconds,
 * so an upload that fails for a reason that can pass is retried with capped,
 * jittered backoff for minutes, measured from the first attempt, and only
 * then given up (ReportUploadGaveUpError), which the controller is told of.
 */
import { status } from '@grpc/grpc-js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { grpcCode, statusName } from './channel.js';
import type { AgentLogger } from './log.js';
import { carriesRetryInfo } from './retry-hint.js';

/** The report upload's retry budget. */
export interface ReportUploadPolicy {
  /** Give up once this long has passed since the first attempt. Default 10 minutes. */
  giveUpMs: number;
  /** Waits between attempts. Default 500 ms growing to 30 s, jittered. */
  backoff: BackoffOptions;
}

/** The default: a controller restart or a replica takeover is over long before it. */
export const DEFAULT_REPORT_UPLOAD: Readonly<ReportUploadPolicy> = Object.freeze({
  giveUpMs: 10 * 60_000,
  backoff: Object.freeze({ baseMs: 500, capMs: 30_000 }),
});

/** The upload failed for good: `reason` says why, for the run's event. */
export class ReportUploadGaveUpError extends Error {
  constructor(
    readonly reason: string,
    /** The controller itself refused the report for good (a quota) and recorded so: nothing to tell it. */
    readonly refusedByController: boolean,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'ReportUploadGaveUpError';
  }
}

/** One attempt's hooks: `attempt` uploads, `failedOver` moves to the next controller address. */
export interface UploadAttempts {
  attempt(): Promise<void>;
  failedOver(): void;
  /** The address of the controller tried next, for the log. */
  address(): string;
  log: AgentLogger;
  signal: AbortSignal;
  /** Default Date.now; tests may pass their own clock. */
  now?: () => number;
}

/**
 * Runs `attempt` until it succeeds, the signal aborts (rethrows), an error
 * says retrying cannot help, or the policy's time is up (both throw
 * ReportUploadGaveUpError).
 */
export async function uploadWithRetries(policy: ReportUploadPolicy, attempts: UploadAttempts): Promise<void> {
  const now = attempts.now ?? Date.now;
  const began = now();
  const backoff = new Backoff(policy.backoff);
  let cutsInARow = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await attempts.attempt();
    } catch (err) {
      if (attempts.signal.aborted) throw err;
      const code = grpcCode(err);
      const elapsedMs = now() - began;
      const tried = `after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${Math.round(elapsedMs / 1000)} s`;
      cutsInARow = code === status.INTERNAL || code === status.CANCELLED ? cutsInARow + 1 : 0;
      if (!isPassing(code, err) || cutsInARow > MAX_CUTS_IN_A_ROW) {
        const quota = code === status.RESOURCE_EXHAUSTED;
        throw new ReportUploadGaveUpError(`the controller refused the report (${statusName(code)}: ${messageOf(err)}) ${tried}`, quota, { cause: err });
      }
      if (elapsedMs >= policy.giveUpMs) {
        throw new ReportUploadGaveUpError(`no controller took the report (${statusName(code)}: ${messageOf(err)}) ${tried}`, false, { cause: err });
      }
      // The last wait ends when the time is up: one more attempt then, not one after it.
      const delayMs = Math.min(backoff.next(), policy.giveUpMs - elapsedMs);
      attempts.log.warn({ code: statusName(code), controller: attempts.address(), attempt, delayMs, elapsedMs }, 'report upload failed; retrying');
      // Another replica takes it as well: a quota's RetryInfo says when, the others that this one is away.
      if (code !== status.RESOURCE_EXHAUSTED) attempts.failedOver();
      if (!(await sleep(delayMs, attempts.signal))) throw err;
    }
  }
}

/**
 * A server killed mid-upload leaves INTERNAL (stream reset) or CANCELLED; a
 * live controller that keeps answering INTERNAL has a fault that retrying
 * for minutes (holding the run in SendingReports) would not mend.
 */
const MAX_CUTS_IN_A_ROW = 3;

/**
 * Errors a later attempt may not meet: the controller is away or restarting
 * (UNAVAILABLE, DEADLINE_EXCEEDED, a stream cut by a dying server: INTERNAL,
 * CANCELLED we did not ask for) or too busy for now (RESOURCE_EXHAUSTED with a
 * RetryInfo). A report past its instance's quota would be refused again.
 */
function isPassing(code: status | undefined, err: unknown): boolean {
  switch (code) {
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.INTERNAL:
    case status.CANCELLED:
      return true;
    case status.RESOURCE_EXHAUSTED:
      return carriesRetryInfo(err);
    default:
      return false;
  }
}

function messageOf(err: unknown): string {
  const details = (err as { details?: unknown } | null)?.details;
  if (typeof details === 'string' && details !== '') return details;
  return err instanceof Error ? err.message : String(err);
}
