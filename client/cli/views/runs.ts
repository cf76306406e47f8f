/** How runs, their instances, parameters, events and log lines look in listings and JSON output. */
import { runStateFromProto } from '../../../common/convert/runs.js';
import type { PinnedModuleRef } from '../../../common/modules/types.js';
import { runEventFromProto, runFromProto, runLogLineFromProto, type NodeInstance, type Run, type RunEvent, type RunLogLine, type RunParameter, type RunUpdate } from '../../services/run-types.js';
import { formatTime, type Column } from '../output.js';

/** Shown instead of a password parameter's value, whatever the server sent. */
export const MASKED = '********';

/** A run for JSON output: everything but the wire message. */
export type RunJson = Omit<Run, 'raw'>;

/** Drops `raw` (JSON output shows domain names, not wire enums). */
export function runJson(run: Run): RunJson {
  const { raw: _raw, ...rest } = run;
  return rest;
}

/** `path@version`. */
export function moduleLabel(ref: PinnedModuleRef & { tenant?: string }): string {
  // A module another tenant shares reads as it was launched: @TENANT/path@N.
  return `${ref.tenant ? `@${ref.tenant}/` : ''}${ref.path}@${ref.version}`;
}

export const RUN_COLUMNS: Column<Run>[] = [
  { header: 'id', value: (r) => r.id },
  // An image build says so beside its component; deployments read as before.
  { header: 'module', value: (r) => `${moduleLabel(r.module)}${r.runKind === 'image_build' ? ' (image build)' : ''}` },
  { header: 'state', value: (r) => r.state ?? 'unknown' },
  { header: 'created', value: (r) => formatTime(r.createdAt) },
  { header: 'owner', value: (r) => r.owner },
  { header: 'tags', value: (r) => r.tags.join(',') },
  { header: 'abort', value: (r) => r.abortMessage ?? '' },
];

/** The fields of `run get`, as printRecord pairs; `warning` once per warning. */
export function runFields(run: Run): [string, string][] {
  return [
    ['id', run.id],
    ['module', moduleLabel(run.module)],
    // Only for a run launched from a template: the other runs' records stay as they were.
    ...(run.template ? [['template', run.template] as [string, string]] : []),
    ['kind', run.kind ?? 'unknown'],
    // Only for image builds, and for nodes that boot a built image: the other runs' records stay as they were.
    ...(run.runKind === 'image_build' ? [['run kind', 'image build'] as [string, string]] : []),
    ...run.nodes.flatMap((n): [string, string][] => (n.builtImageId ? [['built image', `${n.name}: ${n.builtImageId} on ${n.cloud}`]] : [])),
    ['state', `${run.state ?? 'unknown'}${run.recoveryMode ? ' (recovery mode)' : ''}`],
    ['abort', run.abortMessage ?? ''],
    // One field per warning and none without: a script reads `warning` lines as it reads `abort`.
    ...run.warnings.map((w): [string, string] => ['warning', w]),
    ['keep running', run.keepRunning ?? 'unknown'],
    ['scalable', run.scalable ? 'yes' : 'no'],
    ['timeout', `${run.timeoutMinutes} min`],
    ['tags', run.tags.join(',')],
    ['default cloud', run.defaultCloud],
    ['owner', run.owner],
    ['created', formatTime(run.createdAt)],
    ['state changed', formatTime(run.stateChangedAt)],
    ['finished', formatTime(run.finishedAt)],
  ];
}

/** An instance with its node's cloud, for the instance listing of `run get`. */
export interface InstanceRow extends NodeInstance {
  cloud: string;
}

/** Every instance of every node, in node order. */
export function instanceRows(run: Run): InstanceRow[] {
  return run.nodes.flatMap((n) => n.instances.map((i) => ({ ...i, cloud: n.cloud })));
}

export const INSTANCE_COLUMNS: Column<InstanceRow>[] = [
  { header: 'instance', value: (i) => i.name },
  { header: 'cloud', value: (i) => i.cloud },
  { header: 'vm', value: (i) => i.vmState },
  { header: 'completed', value: (i) => i.completedState ?? '' },
  { header: 'scale', value: (i) => i.scaleState },
  { header: 'ip', value: (i) => i.ip },
  { header: 'hostname', value: (i) => i.hostname },
  { header: 'agent', value: (i) => (i.agentConnected ? 'connected' : '') },
  { header: 'status', value: (i) => i.stateCustom },
];

/**
 * A parameter for output: password values masked whatever the server sent,
 * unless `revealed` (a value GetRunParameter revealed on request); unset
 * ones without a value.
 */
export function parameterView(
  p: RunParameter,
  revealed = false,
): { key: string; value: string; set: boolean; secret: boolean; description: string; updatedAt: string } {
  return {
    key: p.key,
    value: p.secret && p.set && !revealed ? MASKED : p.value,
    set: p.set,
    secret: p.secret,
    description: p.description,
    updatedAt: formatTime(p.updatedAt),
  };
}

export const PARAMETER_COLUMNS: Column<ReturnType<typeof parameterView>>[] = [
  { header: 'key', value: (p) => p.key },
  { header: 'value', value: (p) => p.value },
  { header: 'updated', value: (p) => p.updatedAt },
  { header: 'description', value: (p) => p.description },
];

/** The fields of `run get-param`, as printRecord pairs. */
export function parameterFields(view: ReturnType<typeof parameterView>): [string, string][] {
  return [
    ['key', view.key],
    ['value', view.value],
    ['set', view.set ? 'yes' : 'no'],
    ['secret', view.secret ? 'yes' : 'no'],
    ['updated', view.updatedAt],
    ['description', view.description],
  ];
}

export const EVENT_COLUMNS: Column<RunEvent>[] = [
  { header: 'seq', value: (e) => String(e.sequence) },
  { header: 'time', value: (e) => formatTime(e.time) },
  { header: 'actor', value: (e) => e.actor },
  { header: 'type', value: (e) => e.type },
  { header: 'message', value: (e) => e.message },
];

/** `2025-01-31T12:00:00Z web.1 deployment: text`, `(stderr)` after the phase for stderr lines. */
export function formatLogLine(line: RunLogLine): string {
  const stream = line.stream === 'stderr' ? ' (stderr)' : '';
  return `${formatTime(line.time)} ${line.instance} ${line.phase}${stream}: ${line.text}`;
}

/**
 * One watch update for JSON output, with domain names instead of wire enums;
 * undefined for updates that tell nothing about the run: `caughtUp` (the
 * follower resumes by sequence itself) and kinds this client does not know
 * (a newer controller's, which arrive as an empty update).
 */
export function updateJson(update: RunUpdate): Record<string, unknown> | undefined {
  const base = { sequence: update.sequence, time: update.time };
  const u = update.update;
  if (u === undefined) return undefined;
  switch (u.$case) {
    case 'snapshot':
      return { ...base, snapshot: runJson(runFromProto(u.value)) };
    case 'stateChanged':
      return {
        ...base,
        stateChanged: { from: runStateFromProto(u.value.from), to: runStateFromProto(u.value.to), abortMessage: u.value.abortMessage },
      };
    case 'parameterChanged':
      return { ...base, parameterChanged: parameterView(u.value) };
    case 'event':
      return { ...base, event: runEventFromProto(u.value) };
    case 'logLine':
      return { ...base, logLine: runLogLineFromProto(u.value) };
    case 'caughtUp':
      return undefined;
  }
}
