/**
 * Runs, parameters, events, log lines and watch streams as the runs service
 * returns them, for the tests of the `run` verbs: each starts from a plain
 * Ready run of `app/web@2` and takes the fields a test cares about.
 */
import * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import { moduleKindToProto } from '../../../common/convert/modules.js';
import { keepRunningToProto, runStateToProto } from '../../../common/convert/runs.js';
import { outputStreamToProto } from '../../../common/convert/output-streams.js';
import type { KeepRunning, RunState } from '../../../common/runs/states.js';
import { runEventFromProto, runFromProto, type Run, type RunEvent, type RunLogLine, type RunParameter, type RunUpdate } from '../../services/run-types.js';
import type { WatchRunOptions } from '../../services/runs.js';

/** The wire Run's fields, with the domain's names for state and keep-running. */
export type RunFields = Omit<Partial<pb.Run>, 'state' | 'keepRunning'> & { state?: RunState; keepRunning?: KeepRunning };

/** A fixed time, so that printed times are stable: 2025-01-31T12:00:00Z. */
export const T0 = new Date('2025-01-31T12:00:00Z');

/** The wire form of a run (Ready, `app/web@2`, id `r-1`, one node `web` with instance `web.1`) with `fields` over it. */
export function wireRun(fields: RunFields = {}): pb.Run {
  const { state = 'Ready', keepRunning = 'on-success', ...rest } = fields;
  return pb.Run.fromPartial({
    id: 'r-1',
    module: { path: 'app/web', version: 2 },
    kind: moduleKindToProto('application'),
    keepRunning: keepRunningToProto(keepRunning),
    timeoutMinutes: 30,
    defaultCloud: 'local',
    owner: 'alice',
    createdAt: T0,
    stateChangedAt: T0,
    nodes: [
      {
        name: 'web',
        component: { path: 'web/nginx', version: 1 },
        cloud: 'local',
        multiplicity: 1,
        instances: [{ name: 'web.1', index: 1, vmState: 'running', ip: '10.0.0.1', hostname: 'web-1', agentConnected: true }],
      },
    ],
    ...rest,
    state: runStateToProto(state),
  });
}

/** A run as RunsClient returns it (see wireRun). */
export function aRun(fields: RunFields = {}): Run {
  return runFromProto(wireRun(fields));
}

/** A runtime parameter (set, not secret) with `fields` over it. */
export function aParameter(fields: Partial<RunParameter> = {}): RunParameter {
  return pb.RunParameter.fromPartial({ key: 'web.1:port', value: '8080', set: true, description: 'listen port', updatedAt: T0, ...fields });
}

/** An event of the run. */
export function anEvent(sequence: number, type: string, message: string, actor = 'alice'): RunEvent {
  return runEventFromProto(pb.RunEvent.fromPartial({ sequence, type, message, actor, time: T0 }));
}

/** A log line of an instance. */
export function aLogLine(instance: string, text: string, fields: Partial<RunLogLine> = {}): RunLogLine {
  return { instance, phase: 'deployment', stream: 'stdout', text, time: T0, ...fields };
}

/** A watch update: the run as it is now. */
export function snapshotUpdate(sequence: number, fields: RunFields = {}): RunUpdate {
  return { sequence, time: T0, update: { $case: 'snapshot', value: wireRun(fields) } };
}

/** A watch update: the run changed state. */
export function stateChangedUpdate(sequence: number, from: RunState, to: RunState, abortMessage = ''): RunUpdate {
  return {
    sequence,
    time: T0,
    update: { $case: 'stateChanged', value: { from: runStateToProto(from), to: runStateToProto(to), abortMessage } },
  };
}

/** A watch update: an event of the run. */
export function eventUpdate(sequence: number, message: string, type = 'deployment'): RunUpdate {
  return { sequence, time: T0, update: { $case: 'event', value: pb.RunEvent.fromPartial({ sequence, type, message, actor: 'alice', time: T0 }) } };
}

/** A watch update: a log line. */
export function logLineUpdate(sequence: number, line: RunLogLine): RunUpdate {
  const { dropped, ...fields } = line;
  const gap = dropped ? { droppedLines: dropped.lines, droppedBytes: dropped.bytes } : { droppedLines: 0, droppedBytes: 0 };
  return { sequence, time: T0, update: { $case: 'logLine', value: { ...fields, ...outputStreamToProto(line.stream), ...gap } } };
}

/** A fake `runs.watch` that yields `updates` and ends, as the controller's stream does once the run is final. */
export function watchYielding(...updates: RunUpdate[]): (id: string, options?: WatchRunOptions) => AsyncIterable<RunUpdate> {
  return async function* () {
    yield* updates;
  };
}

/** One stream of a scripted watch: its updates, then the error it fails with (none: it ends). */
export interface WatchAttempt {
  updates: RunUpdate[];
  failure?: Error;
}

/**
 * A fake `runs.watch` whose n-th call plays the n-th attempt, as a controller
 * that restarts under a follower would; a call past the last attempt fails
 * the test.
 */
export function watchInAttempts(...attempts: WatchAttempt[]): (id: string, options?: WatchRunOptions) => AsyncIterable<RunUpdate> {
  let calls = 0;
  return async function* () {
    const attempt = attempts[calls++];
    if (attempt === undefined) throw new Error(`watch called ${calls} times; the test scripted ${attempts.length}`);
    yield* attempt.updates;
    if (attempt.failure) throw attempt.failure;
  };
}
