/**
 * RunService in domain terms: launch, follow and operate runs; read their
 * parameters, events, logs and reports. Runs come back as `Run` (domain
 * state names, wire message as `raw`); the streams are async iterables that
 * honour an AbortSignal.
 */
import * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { keepRunningToProto, runStateToProto } from '../../common/convert/runs.js';
import type { CallOptions } from '../options.js';
import { collectPages } from '../pagination.js';
import { bound, type Rpc } from '../rpc.js';
import { saveReportStream } from './report-download.js';
import {
  runEventFromProto,
  runFromProto,
  runListUpdateFromProto,
  runLogLineFromProto,
  type KeepRunning,
  type Run,
  type RunEvent,
  type RunListUpdate,
  type RunLogLine,
  type RunParameter,
  type RunReport,
  type RunState,
  type RunUpdate,
  type ScaleResult,
} from './run-types.js';

/** What to launch and how; only `module` is required. */
export interface LaunchRunOptions extends CallOptions {
  /** `path` or `path@N` of an application or component; with `template`, '' launches the template's. */
  module: string;
  /** `name` or `name@N` of a deployment template: these options override its fields (maps key by key, tags added). */
  template?: string;
  /** Cloud of every node that names none (default: the controller's). */
  defaultCloud?: string;
  /** Node name -> cloud. */
  nodeClouds?: Record<string, string>;
  /** `node:param` -> value. */
  parameters?: Record<string, string>;
  /** Node name -> multiplicity (>= 0). */
  multiplicities?: Record<string, number>;
  tags?: string[];
  /** Default `on-success`. */
  keepRunning?: KeepRunning;
  scalable?: boolean;
  /** Minutes in one transitional state before the run is aborted; default 30. */
  timeoutMinutes?: number;
  /** SSH public keys (file contents, not paths) installed on every VM. */
  sshPublicKeys?: string[];
  /** Makes a retried launch return the first run instead of starting another. */
  requestId?: string;
}

/** Filter of `list`; every field narrows. */
export interface ListRunsFilter {
  /** Runs in any of these states. */
  states?: RunState[];
  tag?: string;
  /** Module path prefix. */
  module?: string;
}

/** Options of `watch`. */
export interface WatchRunOptions extends CallOptions {
  /** Replay every update with a greater sequence number first (0: the whole history). */
  afterSequence?: number;
  /** Also stream the agents' log lines. */
  includeLogs?: boolean;
  /** With `includeLogs`: only this instance's lines (`node.N`). */
  logInstance?: string;
}

/** Options of `watchRuns`. */
export interface WatchRunsOptions extends ListRunsFilter, CallOptions {
  /** How many current runs come first, newest first: 200 by default, at most 1000. */
  limit?: number;
}

/** Options of `getParameter`. */
export interface GetParameterOptions extends CallOptions {
  /** Return a password's plaintext instead of `********` (deployer and up; the run records who revealed what). */
  reveal?: boolean;
}

/** Options of `logs`. */
export interface RunLogsOptions {
  /** Only this instance (`node.N`). */
  instance?: string;
  /** Only lines with a greater sequence number. */
  after?: number;
}

/** Log lines and where to resume: pass `lastSequence` as `after` for the next ones. */
export interface RunLogs {
  lines: RunLogLine[];
  lastSequence: number;
}

// The servers' largest pages: a shorter page is the last one.
const EVENT_PAGE = 1000;
const LOG_PAGE = 5000;

/** The runs of the caller's tenant. */
export class RunsClient {
  constructor(
    private readonly rpc: Rpc,
    /** The generated client, for calls this wrapper does not cover. */
    readonly raw: pb.RunServiceClient,
  ) {}

  /** Starts a run; resolves once it is recorded (usually in Provisioning). Rejects with InvalidArgumentError listing every violation. */
  async launch(options: LaunchRunOptions): Promise<Run> {
    const request: pb.LaunchRunRequest = {
      module: options.module,
      defaultCloud: options.defaultCloud ?? '',
      nodeClouds: { ...options.nodeClouds },
      parameters: { ...options.parameters },
      multiplicities: { ...options.multiplicities },
      tags: options.tags ?? [],
      keepRunning: options.keepRunning === undefined ? pb.KeepRunning.KEEP_RUNNING_UNSPECIFIED : keepRunningToProto(options.keepRunning),
      scalable: options.scalable ?? false,
      timeoutMinutes: options.timeoutMinutes ?? 0,
      sshPublicKeys: options.sshPublicKeys ?? [],
      requestId: options.requestId ?? '',
      template: options.template ?? '',
    };
    const response = await this.rpc.unary(bound(this.raw, 'launchRun'), request, options);
    return runFromProto(response.run);
  }

  /** One run; NotFoundError for unknown ids and other tenants' runs. */
  async get(id: string, call?: CallOptions): Promise<Run> {
    return runFromProto((await this.rpc.unary(bound(this.raw, 'getRun'), { id }, call)).run);
  }

  /** Every run matching the filter (all pages). */
  list(filter: ListRunsFilter = {}, call?: CallOptions): Promise<Run[]> {
    const states = (filter.states ?? []).map(runStateToProto);
    return collectPages(async (pageToken) => {
      const request = { states, tag: filter.tag ?? '', module: filter.module ?? '', pageSize: 0, pageToken };
      const page = await this.rpc.unary(bound(this.raw, 'listRuns'), request, call);
      return { items: page.runs.map(runFromProto), nextPageToken: page.nextPageToken };
    });
  }

  /**
   * Follows a run: a snapshot first, then every state change, parameter
   * change, event (and with `includeLogs` log line) as it commits. The
   * iteration ends after the run reaches a final state; abort `signal` (or
   * leave the loop) to stop earlier. Never bounded by the default deadline.
   */
  watch(id: string, options: WatchRunOptions = {}): AsyncIterable<RunUpdate> {
    const request = { id, afterSequence: options.afterSequence ?? 0, includeLogs: options.includeLogs ?? false, logInstance: options.logInstance ?? '' };
    return this.rpc.serverStream(bound(this.raw, 'watchRun'), request, options);
  }

  /**
   * Follows the run list: the current runs matching the filter (newest
   * first, at most `limit`), `synced`, then each run again whenever it is
   * launched or changes (at most about four times a second each) and
   * `removed` when it is deleted or leaves the filter. Runs until `signal`
   * aborts or the controller ends the stream (it stops or restarts: call
   * again, the current runs come again). Never bounded by the default deadline.
   */
  async *watchRuns(options: WatchRunsOptions = {}): AsyncIterable<RunListUpdate> {
    const request = {
      states: (options.states ?? []).map(runStateToProto),
      tag: options.tag ?? '',
      module: options.module ?? '',
      limit: options.limit ?? 0,
    };
    for await (const raw of this.rpc.serverStream(bound(this.raw, 'watchRuns'), request, options)) {
      const update = runListUpdateFromProto(raw);
      if (update) yield update;
    }
  }

  /** Operator terminate: a transitional run goes to Cancelled; a Ready one through Finalizing to Done. */
  async terminate(id: string, call?: CallOptions): Promise<Run> {
    return runFromProto((await this.rpc.unary(bound(this.raw, 'terminateRun'), { id }, call)).run);
  }

  /**
   * Deletes a final run and everything kept of it (events, logs, parameters,
   * reports) for good. A run that is not final is FailedPreconditionError:
   * terminate it first. Not repeated on another replica (a repeat of one that
   * went through would be NOT_FOUND).
   */
  async delete(id: string, call?: CallOptions): Promise<void> {
    await this.rpc.unary(bound(this.raw, 'deleteRun'), { id }, call);
  }

  /** Raises the run's abort flag (the first message wins). */
  async abort(id: string, message: string, call?: CallOptions): Promise<Run> {
    const request = { id, message, cancel: false };
    return runFromProto((await this.rpc.unary(bound(this.raw, 'abortRun'), request, call)).run);
  }

  /** Clears the run's abort flag. */
  async cancelAbort(id: string, call?: CallOptions): Promise<Run> {
    const request = { id, message: '', cancel: true };
    return runFromProto((await this.rpc.unary(bound(this.raw, 'abortRun'), request, call)).run);
  }

  /** Adds `count` instances to `node` of a scalable run in Ready. */
  scaleAdd(id: string, node: string, count: number, call?: CallOptions): Promise<ScaleResult> {
    return this.scale({ id, action: pb.ScaleAction.SCALE_ACTION_ADD, node, count, instances: [] }, call);
  }

  /** Removes the given instances (`node.N`, all of one node) of a scalable run in Ready. */
  scaleRemove(id: string, instances: string[], call?: CallOptions): Promise<ScaleResult> {
    return this.scale({ id, action: pb.ScaleAction.SCALE_ACTION_REMOVE, node: '', count: 0, instances }, call);
  }

  private async scale(request: pb.ScaleRunRequest, call?: CallOptions): Promise<ScaleResult> {
    const response = await this.rpc.unary(bound(this.raw, 'scaleRun'), request, call);
    return { run: runFromProto(response.run), instances: response.instances };
  }

  /**
   * One runtime parameter (`node.N:name`, `node:name`, `ss:name`); a
   * password's value is masked unless `reveal` (deployer and up, recorded as
   * an event of the run; PermissionDeniedError for viewers).
   */
  async getParameter(id: string, key: string, options: GetParameterOptions = {}): Promise<RunParameter> {
    const request = { id, key, reveal: options.reveal ?? false };
    return (await this.rpc.unary(bound(this.raw, 'getRunParameter'), request, options)).parameter ?? pb.RunParameter.create();
  }

  /** Sets a runtime parameter; the value is pushed on to every input mapped from it. The answer masks a password. */
  async setParameter(id: string, key: string, value: string, call?: CallOptions): Promise<RunParameter> {
    const response = await this.rpc.unary(bound(this.raw, 'setRunParameter'), { id, key, value }, call);
    return response.parameter ?? pb.RunParameter.create();
  }

  /** Every parameter whose key starts with `prefix` (e.g. `web.1:`, `ss:`); passwords masked. */
  async listParameters(id: string, prefix = '', call?: CallOptions): Promise<RunParameter[]> {
    return (await this.rpc.unary(bound(this.raw, 'listRunParameters'), { id, prefix }, call)).parameters;
  }

  /** Every event with a sequence number greater than `after` (all pages), oldest first. */
  async events(id: string, after = 0, call?: CallOptions): Promise<RunEvent[]> {
    const events: RunEvent[] = [];
    for (let afterSequence = after; ; ) {
      const request = { id, afterSequence, pageSize: EVENT_PAGE };
      const page = (await this.rpc.unary(bound(this.raw, 'listRunEvents'), request, call)).events;
      events.push(...page.map(runEventFromProto));
      if (page.length < EVENT_PAGE) return events;
      afterSequence = page.at(-1)!.sequence;
    }
  }

  /** Every log line after `after` (all pages), of one instance or all, oldest first. */
  async logs(id: string, options: RunLogsOptions = {}, call?: CallOptions): Promise<RunLogs> {
    const lines: RunLogLine[] = [];
    let lastSequence = options.after ?? 0;
    for (;;) {
      const request = { id, instance: options.instance ?? '', afterSequence: lastSequence, pageSize: LOG_PAGE };
      const page = await this.rpc.unary(bound(this.raw, 'listRunLogs'), request, call);
      lines.push(...page.lines.map(runLogLineFromProto));
      lastSequence = Math.max(lastSequence, page.lastSequence);
      if (page.lines.length < LOG_PAGE) return { lines, lastSequence };
    }
  }

  /** The report tarballs the run's instances uploaded. */
  async reports(id: string, call?: CallOptions): Promise<RunReport[]> {
    return (await this.rpc.unary(bound(this.raw, 'listRunReports'), { id }, call)).reports;
  }

  /**
   * Streams one report into `toFile` (its folder is created) and checks its
   * size and sha256 against what the server announced; rejects with
   * DataLossError (nothing written) when they differ.
   */
  downloadReport(id: string, instance: string, name: string, toFile: string, call?: CallOptions): Promise<RunReport> {
    const messages = this.rpc.serverStream(bound(this.raw, 'downloadRunReport'), { id, instance, name }, call);
    return saveReportStream(messages, toFile, `${instance}/${name}`);
  }
}
