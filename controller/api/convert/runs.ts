/** Paired conversions of runs, their parameters, events and log lines between wire and domain/storage. */
import * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { type RunModel } from '../../domain/runs/types.js';
import { runStateToProto, keepRunningToProto } from '../../../common/convert/runs.js';
import type { RunParameterRow } from '../../store/entities/run-parameter.js';
import type { RunReportRow } from '../../store/entities/run-report.js';
import type { RunRow } from '../../store/entities/run.js';
import type { JournalView } from '../../scheduler/run-bus.js';
import { stateChangeOf } from '../../store/journal-state-change.js';
import { outputGapOf } from '../../store/journal-output-gap.js';
import { outputGapNotice } from '../../../common/runs/output-gap.js';
import { MASKED_VALUE } from '../../scheduler/parameter-writer.js';
import { moduleKindToProto } from '../../../common/convert/modules.js';
import { outputStreamToProto } from '../../../common/convert/output-streams.js';
import { runKindToProto } from '../../../common/convert/run-kinds.js';
import { runKindOf } from '../../../common/runs/run-kinds.js';

/** What the Run message shows of each instance beyond the state machine's view. */
export interface InstanceFacts {
  vmId?: string | null;
  stateCustom?: string;
  ip?: string;
  hostname?: string;
  connected?: boolean;
}

/** A stored run and its model -> wire; `warnings` as runWarnings made them (empty where not read). */
export function runToProto(row: RunRow, model: RunModel, tags: string[], facts: Map<string, InstanceFacts>, warnings: string[]): pb.Run {
  const plan = JSON.parse(row.plan) as ResolvedPlan;
  return {
    id: row.id,
    // A run of a module another tenant shares names its owner (every reference of the plan lies in that catalog).
    module: { path: row.modulePath, version: row.moduleVersion, tenant: plan.tenant ?? '' },
    kind: moduleKindToProto(row.kind === 'application' ? 'application' : 'component'),
    state: runStateToProto(model.state),
    abortMessage: model.abortMessage ?? '',
    recoveryMode: model.recoveryMode,
    keepRunning: keepRunningToProto(model.keepRunning),
    scalable: model.scalable,
    timeoutMinutes: model.timeoutMinutes,
    tags,
    defaultCloud: row.defaultCloud,
    owner: row.owner,
    template: row.template ?? '',
    createdAt: row.createdAt,
    stateChangedAt: model.stateChangedAt,
    finishedAt: row.finishedAt ?? undefined,
    nodes: plan.nodes.map((node) => {
      const cloud = model.instances.find((i) => i.node === node.name)?.cloud ?? node.cloud ?? row.defaultCloud;
      return {
        name: node.name,
        component: { ...node.component, tenant: plan.tenant ?? '' },
        cloud,
        builtImageId: node.builtImages?.[cloud]?.imageId ?? '',
        multiplicity: model.instances.filter((i) => i.node === node.name && i.vm !== 'failed' && i.scaleState !== 'removed').length,
        maxProvisioningFailures: node.maxProvisioningFailures,
        instances: model.instances
          .filter((i) => i.node === node.name)
          .map((i) => {
            const f = facts.get(i.name) ?? {};
            return {
              name: i.name,
              index: i.index,
              vmState: i.vm,
              stateCustom: f.stateCustom ?? '',
              completedState: i.completedState ? runStateToProto(i.completedState) : pb.RunState.RUN_STATE_UNSPECIFIED,
              scaleState: i.scaleState,
              instanceId: f.vmId ?? '',
              ip: f.ip ?? '',
              hostname: f.hostname ?? '',
              agentConnected: f.connected ?? false,
            };
          }),
      };
    }),
    warnings,
    runKind: runKindToProto(runKindOf(row.runKind)),
  };
}

/**
 * A parameter row -> wire. A password's value is masked unless `reveal`,
 * which only GetRunParameter passes, after its role check and audit event.
 */
export function runParameterToProto(row: RunParameterRow, reveal = false): pb.RunParameter {
  const set = row.value !== null;
  return {
    key: row.key,
    value: set ? (row.secret && !reveal ? MASKED_VALUE : row.value!) : '',
    set,
    secret: row.secret,
    description: row.description,
    updatedAt: row.updatedAt,
  };
}

/** A journal event; a state change also names its two states (UNSPECIFIED for every other event). */
export function runEventToProto(entry: JournalView): pb.RunEvent {
  const change = stateChangeOf(entry);
  return {
    sequence: entry.sequence,
    time: entry.time,
    actor: entry.actor,
    type: entry.type,
    message: entry.text,
    fromState: change ? runStateToProto(change.from) : pb.RunState.RUN_STATE_UNSPECIFIED,
    toState: change ? runStateToProto(change.to) : pb.RunState.RUN_STATE_UNSPECIFIED,
  };
}

/** A journal `log` row of run `runId` as a LogLine: a line of output, or the marker of a gap in it. */
export function logLineToProto(runId: string, entry: JournalView): pb.LogLine {
  const gap = outputGapOf(entry);
  if (gap) {
    const text = outputGapNotice({ runId, instance: entry.instance, phase: entry.subject, ...gap });
    const noStream = { outputStream: pb.OutputStream.OUTPUT_STREAM_UNSPECIFIED, stream: '' };
    return { instance: entry.instance, phase: entry.subject, ...noStream, text, time: entry.time, droppedLines: gap.lines, droppedBytes: gap.bytes };
  }
  // The journal stores an output line's stream as the row's type, `stdout` or `stderr` (agent-log-lines.ts).
  const stream = entry.type === 'stderr' ? 'stderr' : 'stdout';
  return { instance: entry.instance, phase: entry.subject, ...outputStreamToProto(stream), text: entry.text, time: entry.time, droppedLines: 0, droppedBytes: 0 };
}

export function runReportToProto(row: RunReportRow): pb.RunReport {
  return { instance: row.instance, name: row.name, sizeBytes: row.sizeBytes, sha256: row.sha256, createdAt: row.createdAt };
}
