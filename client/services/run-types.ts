/**
 * Runs as the client library returns them: the wire Run with its enums turned
 * into the domain's names (`Provisioning`, `on-success`, `component`), and the
 * wire message kept as `raw`. The enum conversions are the controller's own
 * (controller/api/convert/), so both ends always agree.
 */
import * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { moduleKindFromProto } from '../../common/convert/modules.js';
import { keepRunningFromProto, runStateFromProto } from '../../common/convert/runs.js';
import { outputStreamFromProto, type OutputStreamName } from '../../common/convert/output-streams.js';
import type { ModuleKind, PinnedModuleRef } from '../../common/modules/types.js';
import type { KeepRunning, RunState } from '../../common/runs/states.js';
import { runKindFromProto } from '../../common/convert/run-kinds.js';
import type { RunKind } from '../../common/runs/run-kinds.js';

export type { KeepRunning, RunState } from '../../common/runs/states.js';

/**
 * Runtime parameters and reports carry no enums: the wire messages are
 * already plain data (strings, numbers, Dates) and are returned as they are.
 */
export type RunParameter = pb.RunParameter;
export type RunReport = pb.RunReport;
/** An event of a run; a `state` event names the state the run left and the one it entered (read these, not the message). */
export interface RunEvent extends Omit<pb.RunEvent, 'fromState' | 'toState'> {
  /** Undefined for every event but `state`. */
  fromState?: RunState;
  toState?: RunState;
}

export function runEventFromProto(raw: pb.RunEvent): RunEvent {
  const { fromState, toState, ...event } = raw;
  return { ...event, fromState: runStateFromProto(fromState), toState: runStateFromProto(toState) };
}

/** A line an instance's scripts printed, or the marker of a gap in them (`dropped`). */
export interface RunLogLine extends Omit<pb.LogLine, 'outputStream' | 'stream' | 'droppedLines' | 'droppedBytes'> {
  stream: OutputStreamName;
  /**
   * Only on a gap marker: this many lines (and UTF-8 bytes, 0 when unknown)
   * of the instance's output were dropped here on their way to the
   * controller; `text` says so and names the report that has them all.
   */
  dropped?: { lines: number; bytes: number };
}

export function runLogLineFromProto(raw: pb.LogLine): RunLogLine {
  const { outputStream: _, droppedLines, droppedBytes, ...line } = raw;
  const gap = droppedLines > 0 ? { dropped: { lines: droppedLines, bytes: droppedBytes } } : {};
  return { ...line, stream: outputStreamFromProto(raw), ...gap };
}

/**
 * One update of `watchRuns`: a run as it is now (the same id again replaces
 * it), `synced` once the current runs have all come, or the id of a run that
 * was deleted or left the filter.
 */
export type RunListUpdate = { kind: 'run'; run: Run } | { kind: 'synced' } | { kind: 'removed'; id: string };

/** The update in a WatchRunsResponse; undefined for a kind this client does not know (a newer controller's). */
export function runListUpdateFromProto(raw: pb.WatchRunsResponse): RunListUpdate | undefined {
  switch (raw.update?.$case) {
    case 'run':
      return { kind: 'run', run: runFromProto(raw.update.value) };
    case 'synced':
      return { kind: 'synced' };
    case 'removed':
      return { kind: 'removed', id: raw.update.value };
    default:
      return undefined;
  }
}

/** One update of `watch`: a oneof of snapshot, state change, parameter change, event or log line; `caughtUp` once the replay is over. */
export type RunUpdate = pb.WatchRunResponse;

/** One VM of a node. Enum values the client does not know map to undefined. */
export interface NodeInstance {
  /** `node.N`. */
  name: string;
  index: number;
  /** `pending`, `running`, `failed`, `terminated`. */
  vmState: string;
  /** What the instance's scripts last showed with `ss-display`. */
  stateCustom: string;
  /** The last state this instance reported complete; undefined before its first. */
  completedState: RunState | undefined;
  /** `removing`, `removed` or empty. */
  scaleState: string;
  instanceId: string;
  ip: string;
  hostname: string;
  agentConnected: boolean;
}

/** One node of a run and its instances. */
export interface RunNode {
  name: string;
  component: PinnedModuleRef;
  cloud: string;
  multiplicity: number;
  maxProvisioningFailures: number;
  instances: NodeInstance[];
  /** The image built from the component (ImageService) its instances boot; undefined when they boot the base image. */
  builtImageId: string | undefined;
}

/** A run as GetRun, ListRuns, LaunchRun and the other run calls return it. */
export interface Run {
  id: string;
  /** The launched version; `tenant` names the owner of a module another tenant shares (`@tenant/path`), absent for the caller's own. */
  module: PinnedModuleRef & { tenant?: string };
  kind: ModuleKind | undefined;
  /** A deployment, or an image build (ImageService). */
  runKind: RunKind;
  /** Undefined only if the server sent a state this client does not know. */
  state: RunState | undefined;
  /** Set once the abort flag is raised (the first message wins); undefined otherwise. */
  abortMessage: string | undefined;
  recoveryMode: boolean;
  keepRunning: KeepRunning | undefined;
  scalable: boolean;
  timeoutMinutes: number;
  tags: string[];
  defaultCloud: string;
  owner: string;
  /** `name@N` of the deployment template the run was launched from; undefined without one. */
  template: string | undefined;
  createdAt: Date | undefined;
  stateChangedAt: Date | undefined;
  finishedAt: Date | undefined;
  nodes: RunNode[];
  /**
   * What went wrong without deciding the verdict (a report that will not
   * come, a VM that failed within the node's tolerance), one sentence each,
   * oldest first. Always empty in `list`: read a run with `get`.
   */
  warnings: string[];
  /** The wire message, for fields this type does not cover. */
  raw: pb.Run;
}

/** Outcome of a scale action: the run (back in Provisioning) and the instances added or being removed. */
export interface ScaleResult {
  run: Run;
  instances: string[];
}

function instanceFromProto(i: pb.NodeInstance): NodeInstance {
  return { ...i, completedState: runStateFromProto(i.completedState) };
}

/** Wire Run -> client Run (an absent message reads as an empty run). */
export function runFromProto(message: pb.Run | undefined): Run {
  const raw = message ?? pb.Run.create();
  return {
    id: raw.id,
    module: { path: raw.module?.path ?? '', version: raw.module?.version ?? 0, ...(raw.module?.tenant && { tenant: raw.module.tenant }) },
    kind: moduleKindFromProto(raw.kind),
    runKind: runKindFromProto(raw.runKind),
    state: runStateFromProto(raw.state),
    abortMessage: raw.abortMessage || undefined,
    recoveryMode: raw.recoveryMode,
    keepRunning: keepRunningFromProto(raw.keepRunning),
    scalable: raw.scalable,
    timeoutMinutes: raw.timeoutMinutes,
    tags: [...raw.tags],
    defaultCloud: raw.defaultCloud,
    owner: raw.owner,
    template: raw.template || undefined,
    createdAt: raw.createdAt,
    stateChangedAt: raw.stateChangedAt,
    finishedAt: raw.finishedAt,
    nodes: raw.nodes.map((n) => ({
      name: n.name,
      component: { path: n.component?.path ?? '', version: n.component?.version ?? 0 },
      cloud: n.cloud,
      multiplicity: n.multiplicity,
      maxProvisioningFailures: n.maxProvisioningFailures,
      instances: n.instances.map(instanceFromProto),
      builtImageId: n.builtImageId || undefined,
    })),
    warnings: [...raw.warnings],
    raw,
  };
}
