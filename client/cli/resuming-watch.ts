/**
 * A run's watch that rides through controller restarts: when the stream ends
 * or breaks before the run is final (a replica stopped, restarted or was
 * killed), it is opened again, with backoff, after the last update seen, so
 * the follower misses nothing and sees nothing twice. Errors that say the
 * call itself is wrong (UNAUTHENTICATED, NOT_FOUND, ...) end it as before.
 */
import { status } from '@grpc/grpc-js';
import { Backoff, DEFAULT_BACKOFF, sleep, type BackoffOptions } from '../../common/backoff.js';
import { runStateFromProto } from '../../common/convert/runs.js';
import { isFinal } from '../../common/runs/states.js';
import { SlipstreamError } from '../errors.js';
import type { RunUpdate } from '../services/run-types.js';
import type { WatchRunOptions } from '../services/runs.js';

/** A run's `watch`, as the followers use it (a fake stream in tests). */
export type WatchFn = (id: string, options: WatchRunOptions) => AsyncIterable<RunUpdate>;

/** How a broken watch is reopened. */
export interface ReconnectPolicy {
  /** Give up after this long without getting back to a working stream. Default 10 minutes. */
  giveUpMs: number;
  /** Waits between attempts. Default 250 ms growing to 4 s, jittered. */
  backoff: BackoffOptions;
}

/** The default: a rolling restart of replicas, or a restart of the only one, is over well within it. */
export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = Object.freeze({ giveUpMs: 10 * 60_000, backoff: DEFAULT_BACKOFF });

/** What the follower is told once a broken watch works again. */
export interface Reconnection {
  /** Why the previous stream stopped: `ended` (closed early) or the error's status name. */
  cause: string;
  /** Updates up to this sequence number had been seen; the new stream starts after it. */
  afterSequence: number;
}

/** A stream that lasted this long was working: its end starts a fresh give-up period. */
const WORKED_MS = 10_000;

/**
 * Statuses a broken stream ends with when its replica goes away: UNAVAILABLE
 * (connection refused or dropped), INTERNAL (stream reset by a closing
 * server) and CANCELLED when the caller did not cancel (forced shutdown).
 */
const INTERRUPTIONS: ReadonlySet<number> = new Set([status.UNAVAILABLE, status.INTERNAL, status.CANCELLED]);

/**
 * Wraps `watch` so that one iteration follows the run to its end across
 * reconnects. The new stream asks for updates after the greatest sequence
 * number seen, and any it repeats at or below it is dropped (its snapshot is
 * passed on: it brings the view up to date; its `caughtUp` is not when the
 * first stream's was). Stops quietly when the
 * caller's signal aborts; after `giveUpMs` of failures ends with the last
 * error (or, if the stream kept closing early, just ends).
 */
export function resumingWatch(watch: WatchFn, onReconnect: (reconnection: Reconnection) => void, policy: ReconnectPolicy = DEFAULT_RECONNECT): WatchFn {
  return async function* (id, options) {
    const signal = options.signal;
    const backoff = new Backoff(policy.backoff);
    let last = options.afterSequence ?? 0;
    let final = false;
    let caughtUp = false;
    let troubleSince: number | undefined;
    let cause: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const opened = Date.now();
      let progressed = false;
      let failure: unknown;
      try {
        for await (const update of watch(id, attempt === 0 ? options : { ...options, afterSequence: last })) {
          if (cause !== undefined) {
            onReconnect({ cause, afterSequence: last });
            cause = undefined;
          }
          // One logical stream, one marker: a reopened stream's own says nothing new.
          if (update.update?.$case === 'caughtUp' && caughtUp) continue;
          caughtUp ||= update.update?.$case === 'caughtUp';
          if (carriesEntry(update)) {
            if (update.sequence <= last && attempt > 0) continue;
            last = Math.max(last, update.sequence);
            progressed = true;
          }
          final ||= reachesFinal(update);
          yield update;
        }
      } catch (error) {
        if (signal?.aborted || !isInterruption(error)) throw error;
        failure = error;
      }
      if (final || signal?.aborted) return;
      const now = Date.now();
      if (progressed || now - opened >= WORKED_MS || troubleSince === undefined) {
        troubleSince = now;
        backoff.reset();
      }
      cause ??= failure instanceof SlipstreamError ? status[failure.code] ?? 'failed' : 'ended';
      if (now - troubleSince >= policy.giveUpMs) {
        if (failure !== undefined) throw failure;
        return;
      }
      if (!(await sleep(backoff.next(), signal))) return;
    }
  };
}

/**
 * A journal entry's update: its sequence is where a new stream resumes. A
 * snapshot (sequence 0) and the `caughtUp` marker (the last replayed
 * sequence again) are not, and a stream that sent only them made no progress.
 */
function carriesEntry(update: RunUpdate): boolean {
  const kind = update.update?.$case;
  return kind !== 'snapshot' && kind !== 'caughtUp';
}

function isInterruption(error: unknown): boolean {
  return error instanceof SlipstreamError && INTERRUPTIONS.has(error.code);
}

/** The update shows the run in a final state (the controller ends the stream after it). */
function reachesFinal(update: RunUpdate): boolean {
  const u = update.update;
  const state = u?.$case === 'snapshot' ? u.value.state : u?.$case === 'stateChanged' ? u.value.to : undefined;
  if (state === undefined) return false;
  const domain = runStateFromProto(state);
  return domain !== undefined && isFinal(domain);
}
