/**
 * What a live view knows about a run, folded from its watch updates: the
 * header (state, abort, service URL) and one status per instance. Pure: it
 * reports what changed and leaves drawing to the view.
 */
import { runStateFromProto } from '../../../common/convert/runs.js';
import { RUN_STATES, type RunState } from '../../../common/runs/states.js';
import { runEventFromProto, runFromProto, runLogLineFromProto, type Run, type RunEvent, type RunLogLine, type RunUpdate } from '../../services/run-types.js';
import { moduleLabel } from './runs.js';

/** One instance as the live view shows it. */
export interface InstanceStatus {
  /** `node.N`. */
  name: string;
  /** The last state the instance completed. */
  completed: RunState | undefined;
  vmState: string;
  stateCustom: string;
  scaleState: string;
  lastLog: string;
}

/** What one update changed, for views that print changes rather than redraw. */
export type WatchChange =
  /** State, abort message or module changed. */
  | { kind: 'run' }
  /** An instance's completed state, VM state, statecustom or scale state changed (not its log). */
  | { kind: 'instance'; name: string }
  | { kind: 'log'; line: RunLogLine }
  | { kind: 'event'; event: RunEvent };

// `web.2:statecustom` -> instance `web.2`, name `statecustom`.
const INSTANCE_KEY = /^([^.:]+\.[0-9]+):(.+)$/;

/** The fields of an instance that parameters and snapshots set. */
type InstanceFields = Pick<InstanceStatus, 'completed' | 'vmState' | 'stateCustom' | 'scaleState'>;

function pickFields(s: InstanceStatus): InstanceFields {
  return { completed: s.completed, vmState: s.vmState, stateCustom: s.stateCustom, scaleState: s.scaleState };
}

/** Instance parameters shown as they are, by the field that shows them. */
const TEXT_FIELDS: Readonly<Record<string, 'vmState' | 'stateCustom' | 'scaleState'>> = {
  vmstate: 'vmState',
  statecustom: 'stateCustom',
  'scale.state': 'scaleState',
};

function textField(parameter: string, value: string): Partial<InstanceFields> {
  const field = TEXT_FIELDS[parameter];
  return field === undefined ? {} : { [field]: value };
}

function asState(value: string): RunState | undefined {
  return (RUN_STATES as readonly string[]).includes(value) ? (value as RunState) : undefined;
}

/** The folded state of one watched run. */
export class RunWatchModel {
  module = '';
  state: RunState | undefined;
  abortMessage: string | undefined;
  serviceUrl: string | undefined;
  /** The latest snapshot, if one arrived. */
  snapshot: Run | undefined;
  private readonly instances = new Map<string, InstanceStatus>();

  constructor(readonly runId: string) {}

  /** Instances in node order, then in the order they appeared. */
  get instanceList(): InstanceStatus[] {
    return [...this.instances.values()];
  }

  /**
   * True once a snapshot shows the run Ready: the controller applies the
   * keepRunning rule in the same transition that enters Ready (and again on
   * every abort or abort cancel), so a committed Ready is a Ready that stays.
   */
  get settled(): boolean {
    return this.snapshot?.state === 'Ready';
  }

  /** Folds one update in; returns what changed (empty when nothing visible did). */
  apply(update: RunUpdate): WatchChange[] {
    const u = update.update;
    switch (u?.$case) {
      case 'snapshot':
        return this.applySnapshot(runFromProto(u.value));
      case 'stateChanged': {
        const to = runStateFromProto(u.value.to);
        if (to === undefined || to === this.state) return [];
        this.state = to;
        return [{ kind: 'run' }];
      }
      case 'parameterChanged':
        return this.applyParameter(u.value.key, u.value.value);
      case 'logLine': {
        const instance = this.instance(u.value.instance);
        instance.lastLog = u.value.text;
        return [{ kind: 'log', line: runLogLineFromProto(u.value) }];
      }
      case 'event':
        return [{ kind: 'event', event: runEventFromProto(u.value) }];
      default:
        return [];
    }
  }

  private applySnapshot(run: Run): WatchChange[] {
    this.snapshot = run;
    const changes: WatchChange[] = [];
    const module = moduleLabel(run.module);
    if (module !== this.module || run.state !== this.state || run.abortMessage !== this.abortMessage) changes.push({ kind: 'run' });
    this.module = module;
    this.state = run.state;
    this.abortMessage = run.abortMessage;
    for (const node of run.nodes) {
      for (const i of node.instances) {
        const status = this.instance(i.name);
        const next = { completed: i.completedState, vmState: i.vmState, stateCustom: i.stateCustom, scaleState: i.scaleState };
        if (this.update(status, next)) changes.push({ kind: 'instance', name: i.name });
      }
    }
    return changes;
  }

  private applyParameter(key: string, value: string): WatchChange[] {
    if (key === 'ss:abort') {
      const message = value || undefined;
      if (message === this.abortMessage) return [];
      this.abortMessage = message;
      return [{ kind: 'run' }];
    }
    if (key === 'ss:url.service') {
      this.serviceUrl = value || undefined;
      return [];
    }
    const match = INSTANCE_KEY.exec(key);
    if (!match) return [];
    const [, name, parameter] = match as unknown as [string, string, string];
    const next: Partial<InstanceFields> =
      parameter === 'complete' ? { completed: asState(value.split('@')[0] ?? '') } : textField(parameter, value);
    if (Object.keys(next).length === 0) return [];
    return this.update(this.instance(name), next) ? [{ kind: 'instance', name }] : [];
  }

  private instance(name: string): InstanceStatus {
    let status = this.instances.get(name);
    if (!status) {
      status = { name, completed: undefined, vmState: '', stateCustom: '', scaleState: '', lastLog: '' };
      this.instances.set(name, status);
    }
    return status;
  }

  /** Assigns `next` to `status`; true when a field changed. */
  private update(status: InstanceStatus, next: Partial<InstanceFields>): boolean {
    const before = JSON.stringify(pickFields(status));
    Object.assign(status, next);
    return JSON.stringify(pickFields(status)) !== before;
  }
}
