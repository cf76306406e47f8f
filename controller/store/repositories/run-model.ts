import type { RunInstance, RunModel, RunNodeInfo, ScaleOperation, ScaleState, VmLifecycle } from '../../domain/runs/types.js';
import { isFinal, type FinalState, type KeepRunning, type RunState } from '../../../common/runs/states.js';
import type { RunInstanceRow } from '../entities/run-instance.js';
import type { RunRow } from '../entities/run.js';
import { runKindOf } from '../../../common/runs/run-kinds.js';

/** Between the stored run and instance rows and the state machine's model of a run. */

function toInstance(row: RunInstanceRow): RunInstance {
  return {
    name: row.name,
    node: row.node,
    index: row.index,
    cloud: row.cloud,
    vm: row.vm as VmLifecycle,
    completedEpoch: row.completedEpoch,
    completedState: (row.completedState ?? undefined) as RunState | undefined,
    scaleState: row.scaleState as ScaleState,
  };
}

/** The state machine's view of a stored run. */
export function toRunModel(row: RunRow, instances: RunInstanceRow[]): RunModel {
  return {
    ...(runKindOf(row.runKind) === 'image_build' ? { kind: 'image_build' as const } : {}),
    state: row.state as RunState,
    epoch: row.epoch,
    abortMessage: row.abortMessage ?? undefined,
    recoveryMode: row.recoveryMode,
    keepRunning: row.keepRunning as KeepRunning,
    scalable: row.scalable,
    timeoutMinutes: row.timeoutMinutes,
    stateChangedAt: row.stateChangedAt,
    abortedAt: row.abortedAt ?? undefined,
    finalState: (row.finalState ?? undefined) as FinalState | undefined,
    nodes: JSON.parse(row.nodes) as RunNodeInfo[],
    instances: instances.map(toInstance).sort((a, b) => a.node.localeCompare(b.node) || a.index - b.index),
    scale: row.scale ? (JSON.parse(row.scale) as ScaleOperation) : undefined,
  };
}

/** The run row's columns the state machine owns, by property, as they are stored. */
export function runColumns(model: RunModel): Partial<RunRow> {
  return {
    state: model.state,
    epoch: model.epoch,
    abortMessage: model.abortMessage ?? null,
    abortedAt: model.abortedAt ?? null,
    recoveryMode: model.recoveryMode,
    stateChangedAt: model.stateChangedAt,
    finalState: model.finalState ?? null,
    nodes: JSON.stringify(model.nodes),
    scale: model.scale ? JSON.stringify(model.scale) : null,
  };
}

/** Whether two values of a column are the same (dates by their time). */
export function sameColumn(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}

/** The run row's columns a transition changed (runColumns that differ), with finishedAt when the run finished. */
export function runChanges(before: RunModel, after: RunModel, now: Date): Partial<RunRow> {
  const changes: Partial<RunRow> = {};
  if (after === before) return changes;
  const old = runColumns(before);
  for (const [column, value] of Object.entries(runColumns(after)) as [keyof RunRow, unknown][]) {
    if (!sameColumn(old[column], value)) Object.assign(changes, { [column]: value });
  }
  if (isFinal(after.state) && !isFinal(before.state)) changes.finishedAt = now;
  return changes;
}
