/**
 * Following a run until it settles, for `run launch --wait`, `run watch`,
 * `run terminate --wait` and `run scale --wait`: push updates from `watch`
 * (never polling), a live view or lines while they come, Ctrl-C to stop
 * watching (the run goes on), and the verdict as exit code.
 */
import type { Writable } from 'node:stream';
import { isFinal } from '../../common/runs/states.js';
import { NotFoundError } from '../errors.js';
import type { SlipstreamClient } from '../index.js';
import type { Run, RunUpdate } from '../services/run-types.js';
import type { CliDeps, OutputFormat } from './deps.js';
import { ExitCode } from './exit-codes.js';
import { printJson } from './output.js';
import { DEFAULT_RECONNECT, resumingWatch, type ReconnectPolicy, type WatchFn } from './resuming-watch.js';
import { RunLiveView, type LiveViewOptions } from './views/run-live-view.js';
import { RunWatchModel } from './views/run-watch-model.js';
import { runJson, updateJson } from './views/runs.js';

/** Where following stops: `settled` = Ready (which then stays) or final; `final` = Done, Aborted or Cancelled. */
export type FollowUntil = 'settled' | 'final';

/** Options of followRun. */
export interface FollowOptions {
  runId: string;
  until: FollowUntil;
  /** Replay only updates after this sequence number (0: the whole history). */
  afterSequence?: number;
  includeLogs: boolean;
  /** With `includeLogs`: only this instance's log lines (`node.N`). */
  logInstance?: string;
  /** Called with each update, after the model folded it in. */
  onUpdate?: (update: RunUpdate, model: RunWatchModel) => void;
  /** How the changes are shown; none: not shown. */
  view?: LiveViewOptions;
  /** Stops following (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Reopen a watch that breaks or ends before the run is final (a controller
   * restart), telling `out` in one line; absent: the watch's end is followRun's.
   */
  reconnect?: { out: Writable; policy?: ReconnectPolicy };
}

/** How following ended. */
export interface FollowResult {
  model: RunWatchModel;
  /** `signal` stopped it before the run got where `until` says. */
  interrupted: boolean;
}

export type { WatchFn } from './resuming-watch.js';

/** Folds the run's updates into a model and shows them until `until` holds, the stream ends, or `signal` fires. */
export async function followRun(watch: WatchFn, opts: FollowOptions): Promise<FollowResult> {
  const model = new RunWatchModel(opts.runId);
  const view = opts.view && new RunLiveView(model, opts.view);
  const interrupted = (): boolean => opts.signal?.aborted === true;
  const reconnect = opts.reconnect;
  const follow = reconnect
    ? resumingWatch(watch, ({ cause, afterSequence }) => void reconnect.out.write(reconnectedLine(opts.runId, cause, afterSequence)), reconnect.policy)
    : watch;
  try {
    const updates = follow(opts.runId, {
      afterSequence: opts.afterSequence,
      includeLogs: opts.includeLogs,
      ...(opts.logInstance === undefined ? {} : { logInstance: opts.logInstance }),
      signal: opts.signal,
    });
    for await (const update of updates) {
      const changes = model.apply(update);
      view?.show(changes);
      opts.onUpdate?.(update, model);
      if (opts.until === 'settled' && update.update?.$case === 'snapshot' && model.settled) break;
      if (interrupted()) break;
    }
  } catch (error) {
    if (!interrupted()) throw error;
  } finally {
    view?.close();
  }
  return { model, interrupted: interrupted() };
}

/** One NDJSON line per update that tells something about the run. */
function printUpdateJson(deps: CliDeps, update: RunUpdate): void {
  const json = updateJson(update);
  if (json !== undefined) deps.stdout.write(`${JSON.stringify(json)}\n`);
}

/** The one line a follower prints when its watch works again. */
function reconnectedLine(runId: string, cause: string, afterSequence: number): string {
  const why = cause === 'ended' ? 'the stream ended early' : `the stream failed (${cause})`;
  return `reconnected: the watch of run ${runId} resumed after update ${afterSequence} (${why})\n`;
}

/** 0 when the run is Ready or Done without an abort message, 3 when it ended (or stays) aborted or cancelled, 1 otherwise. */
export function runExitCode(run: Run): ExitCode {
  if (run.state === 'Aborted' || run.state === 'Cancelled') return ExitCode.runAborted;
  if (run.state === 'Ready' || run.state === 'Done') return run.abortMessage === undefined ? ExitCode.ok : ExitCode.runAborted;
  return ExitCode.failed;
}

/**
 * The sequence number of the run's latest event: following from it after an
 * operator action shows what the action caused, not the run's whole history.
 */
export async function latestEventSequence(client: SlipstreamClient, runId: string): Promise<number> {
  return (await client.runs.events(runId)).at(-1)?.sequence ?? 0;
}

/** Options of waitForRun. */
export interface WaitOptions {
  runId: string;
  until: FollowUntil;
  output: OutputFormat;
  /** `live`: a live view, then the final Run (as JSON with --output json); `lines`: update lines (NDJSON with json). */
  style: 'live' | 'lines';
  /** With `lines`: log lines too. */
  logs?: boolean;
  afterSequence?: number;
}

async function serviceUrl(client: SlipstreamClient, runId: string): Promise<string | undefined> {
  try {
    const url = await client.runs.getParameter(runId, 'ss:url.service');
    return url.set && url.value !== '' ? url.value : undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Follows a run for a command and returns its exit code: the run's verdict
 * (runExitCode), 130 after Ctrl-C (the run goes on), 1 if the watch ended
 * before the run got there. Prints the final state, abort message, warnings
 * and `ss:url.service` (or the final Run as JSON).
 */
export async function waitForRun(deps: CliDeps, client: SlipstreamClient, opts: WaitOptions): Promise<number> {
  const json = opts.output === 'json';
  const lines = opts.style === 'lines';
  const view: FollowOptions['view'] =
    lines && json
      ? undefined
      : {
          out: json ? deps.stderr : deps.stdout,
          redraw: !lines && !json && deps.isTTY,
          logs: lines && opts.logs === true,
          terminalSize: deps.terminalSize,
        };
  const trap = deps.trapInterrupt?.();
  let result: FollowResult;
  try {
    result = await followRun((id, o) => client.runs.watch(id, o), {
      runId: opts.runId,
      until: opts.until,
      afterSequence: opts.afterSequence,
      // The frame shows each instance's last log line; plain progress does not.
      includeLogs: lines ? opts.logs === true : view?.redraw === true,
      view,
      onUpdate: lines && json ? (update) => printUpdateJson(deps, update) : undefined,
      signal: trap?.signal,
      reconnect: { out: deps.stderr, policy: deps.reconnect ?? DEFAULT_RECONNECT },
    });
  } finally {
    trap?.release();
  }
  if (result.interrupted) {
    const state = result.model.state ?? 'running';
    deps.stderr.write(`stopped watching; run ${opts.runId} goes on (${state}); stop it with: slipstream run terminate ${opts.runId}\n`);
    return ExitCode.interrupted;
  }
  const run = await client.runs.get(opts.runId);
  if (json && !lines) printJson(deps, runJson(run));
  if (!json) {
    deps.stdout.write(`state: ${run.state ?? 'unknown'}\n`);
    if (run.abortMessage !== undefined) deps.stdout.write(`abort: ${run.abortMessage}\n`);
    // Beside the verdict, not part of it: a Ready run with warnings still exits 0.
    for (const warning of run.warnings) deps.stdout.write(`warning: ${warning}\n`);
    const url = await serviceUrl(client, opts.runId);
    if (url !== undefined) deps.stdout.write(`ss:url.service: ${url}\n`);
  }
  const settled = run.state === 'Ready' ? opts.until === 'settled' : run.state !== undefined && isFinal(run.state);
  if (!settled) {
    deps.stderr.write(`error: the watch of run ${opts.runId} ended while it is ${run.state ?? 'in an unknown state'}\n`);
    return ExitCode.failed;
  }
  return runExitCode(run);
}
