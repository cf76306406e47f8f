/**
 * Everything the run view knows of one run, kept up to date from WatchRun updates: the run (its latest snapshot),
 * its instances, the phases it went through and when each instance completed them, its parameters, its journal and
 * the last log line of each instance. Updates are applied as they come; the page is told at most once per scheduled
 * flush (an animation frame in the browser), since 1,000 instances send many updates a second.
 */
import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { LogLine, Run, RunParameter, WatchRunResponse } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import type { Connection } from '../api/follow.js';
import { isFinalState, parseStateName, stateName, type StateName } from '../components/run-states.js';

export interface LastLogLine {
  text: string;
  time: number;
  /** A gap marker: lines were dropped here (the text says how many). */
  gap: boolean;
}

export interface InstanceRow {
  /** `node.N`. */
  name: string;
  node: string;
  index: number;
  vmState: string;
  /** What the recipe said with ss-display. */
  stateCustom: string;
  completedState: StateName | undefined;
  instanceId: string;
  ip: string;
  hostname: string;
  /** `removing`, `removed` or empty. */
  scaleState: string;
  lastLog: LastLogLine | undefined;
}

/** The run being in one state, from the time it entered it to the time it left (a barrier, for the barrier states). */
export interface PhaseSpan {
  state: StateName;
  start: number;
  startSequence: bigint;
  end?: number;
  endSequence?: bigint;
  /** The state the run went to next. */
  next?: StateName;
}

/** An instance reporting a state complete (its `complete` parameter set to `State@epoch`). */
export interface Completion {
  state: StateName;
  time: number;
  sequence: bigint;
}

export interface JournalEntry {
  sequence: bigint;
  time: number;
  actor: string;
  type: string;
  message: string;
}

export interface ParameterRow {
  key: string;
  /** As the API gives it: a password's value is masked. */
  value: string;
  set: boolean;
  secret: boolean;
  description: string;
  updatedAt: number | undefined;
}

/** Runs `flush` once, later (requestAnimationFrame in the browser; anything in a test). */
export type Scheduler = (flush: () => void) => void;

const INSTANCE_KEY = /^([^.:]+)\.(\d+):(.+)$/;

const msOf = (ts: Timestamp | undefined): number | undefined => (ts ? timestampMs(ts) : undefined);

export class RunStore {
  run: Run | undefined;
  state: StateName | undefined;
  abortMessage = '';
  readonly instances = new Map<string, InstanceRow>();
  readonly phases: PhaseSpan[] = [];
  /** Instance name -> its completions, in order. */
  readonly completions = new Map<string, Completion[]>();
  readonly parameters = new Map<string, ParameterRow>();
  readonly journal: JournalEntry[] = [];
  /** The highest sequence applied from the run's stream: where a reconnect resumes. */
  lastSequence = 0n;
  /** The sequence at which the stored updates had all been replayed, once the server said so. */
  caughtUpSequence: bigint | undefined;
  /** The highest sequence applied from the log-tail stream. */
  lastLogSequence = 0n;
  connection: Connection = { state: 'connecting' };
  /** Bumped at each flush: a page re-renders when it changes. */
  version = 0;
  /**
   * Bumped when that part of the run changed, so that a section re-renders only for its own changes (a 1,000-instance
   * run changes parameters all the time; its journal and timeline far less often).
   */
  readonly changes = { instances: 0, timeline: 0, parameters: 0, journal: 0 };

  private readonly streamedKeys = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private flushPending = false;
  private ordered: InstanceRow[] | undefined;
  /** The parameters' keys, each put in its place as it comes: a replay adds thousands, never sorted all again. */
  private readonly keyOrder: string[] = [];
  private keysShown: readonly string[] | undefined;

  constructor(private readonly schedule: Scheduler) {}

  /** True once the run is Done, Aborted or Cancelled: its stream ends and is not reopened. */
  get isFinal(): boolean {
    return isFinalState(this.state);
  }

  /**
   * True from the run's snapshot until its stored updates are replayed: a Ready run of 1,000 instances replays some
   * 18,000, and what is derived from all of them (the timeline) waits for the last rather than being redone meanwhile.
   */
  get replaying(): boolean {
    return this.run !== undefined && this.caughtUpSequence === undefined;
  }

  /** The stream went quiet without saying it had caught up (an older controller): what came so far was the replay. */
  assumeCaughtUp(): void {
    if (this.caughtUpSequence !== undefined) return;
    this.caughtUpSequence = this.lastSequence;
    this.changes.timeline++;
    this.changed();
  }

  /** Instances ordered by node, then index: the same array until an instance comes or goes (rows change in place). */
  orderedInstances(): readonly InstanceRow[] {
    this.ordered ??= [...this.instances.values()].sort((a, b) => (a.node === b.node ? a.index - b.index : a.node < b.node ? -1 : 1));
    return this.ordered;
  }

  /** Parameter keys in order: the same array until a key is added. */
  sortedParameterKeys(): readonly string[] {
    this.keysShown ??= [...this.keyOrder];
    return this.keysShown;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One update of WatchRun({ includeLogs: false }); an update at or below the last sequence (a replay after a reconnect) is skipped. */
  apply(update: WatchRunResponse): void {
    const { sequence } = update;
    const time = msOf(update.time) ?? Date.now();
    switch (update.update.case) {
      case 'snapshot':
        this.applySnapshot(update.update.value);
        this.changes.instances++;
        this.changes.timeline++;
        break;
      case 'caughtUp':
        this.caughtUpSequence = sequence > this.lastSequence ? sequence : this.lastSequence;
        // The timeline waits for the whole history (see replaying).
        this.changes.timeline++;
        break;
      case 'stateChanged': {
        if (!this.advance(sequence)) return;
        const from = stateName(update.update.value.from);
        const to = stateName(update.update.value.to);
        if (to) this.enterState(from, to, time, sequence);
        if (update.update.value.abortMessage) this.abortMessage = update.update.value.abortMessage;
        this.journal.push({ sequence, time, actor: '', type: 'state', message: `${from ?? '?'} -> ${to ?? '?'}` });
        this.changes.journal++;
        this.changes.timeline++;
        break;
      }
      case 'parameterChanged':
        if (!this.advance(sequence)) return;
        this.applyParameter(update.update.value, time, sequence);
        break;
      case 'event': {
        if (!this.advance(sequence)) return;
        const event = update.update.value;
        this.journal.push({ sequence, time: msOf(event.time) ?? time, actor: event.actor, type: event.type, message: event.message });
        this.changes.journal++;
        break;
      }
      case 'logLine':
        this.applyLogLine(update.update.value, sequence);
        return;
      default:
        return;
    }
    this.changed();
  }

  /** One update of the log-tail stream (WatchRun with includeLogs): only log lines count, the last per instance. */
  applyLogTail(update: WatchRunResponse): void {
    if (update.update.case !== 'logLine') return;
    this.applyLogLine(update.update.value, update.sequence);
  }

  /** The parameters as ListRunParameters gave them; a value the stream already brought is newer and stays. */
  seedParameters(parameters: RunParameter[]): void {
    this.changes.parameters++;
    for (const p of parameters) {
      if (!this.parameters.has(p.key)) this.addKey(p.key);
      const streamed = this.streamedKeys.has(p.key) ? this.parameters.get(p.key) : undefined;
      this.parameters.set(p.key, {
        key: p.key,
        value: streamed ? streamed.value : p.value,
        set: streamed ? streamed.set : p.set,
        secret: p.secret,
        description: p.description,
        updatedAt: streamed ? streamed.updatedAt : msOf(p.updatedAt),
      });
    }
    this.changed();
  }

  setConnection(connection: Connection): void {
    this.connection = connection;
    this.changed();
  }

  private advance(sequence: bigint): boolean {
    if (sequence <= this.lastSequence) return false;
    this.lastSequence = sequence;
    return true;
  }

  private applySnapshot(run: Run): void {
    this.run = run;
    this.state = stateName(run.state) ?? this.state;
    this.abortMessage = run.abortMessage;
    const seen = new Set<string>();
    for (const node of run.nodes) {
      for (const instance of node.instances) {
        seen.add(instance.name);
        const row = this.instanceRow(instance.name, node.name, instance.index);
        row.vmState = instance.vmState;
        row.stateCustom = instance.stateCustom;
        row.completedState = stateName(instance.completedState) ?? row.completedState;
        row.instanceId = instance.instanceId;
        row.ip = instance.ip;
        row.hostname = instance.hostname;
        row.scaleState = instance.scaleState;
      }
    }
    for (const name of this.instances.keys()) {
      if (!seen.has(name)) {
        this.instances.delete(name);
        this.ordered = undefined;
      }
    }
  }

  private enterState(from: StateName | undefined, to: StateName, time: number, sequence: bigint): void {
    const open = this.phases.at(-1);
    if (open && open.end === undefined) {
      open.end = time;
      open.endSequence = sequence;
      open.next = to;
    } else if (!open && from) {
      // The run's first phase started when it was created; the journal only records it being left.
      const created = msOf(this.run?.createdAt);
      this.phases.push({ state: from, start: created !== undefined && created <= time ? created : time, startSequence: 0n, end: time, endSequence: sequence, next: to });
    }
    this.phases.push({ state: to, start: time, startSequence: sequence });
    this.state = to;
  }

  private applyParameter(p: RunParameter, time: number, sequence: bigint): void {
    const updatedAt = msOf(p.updatedAt) ?? time;
    const known = this.parameters.get(p.key);
    if (!known) this.addKey(p.key);
    this.changes.parameters++;
    this.parameters.set(p.key, { key: p.key, value: p.value, set: p.set, secret: p.secret || (known?.secret ?? false), description: known?.description ?? p.description, updatedAt });
    this.streamedKeys.add(p.key);
    if (p.key === 'ss:abort') {
      this.abortMessage = p.value;
      return;
    }
    const match = INSTANCE_KEY.exec(p.key);
    if (!match) return;
    const [, node = '', index = '0', name = ''] = match;
    const row = this.instanceRow(`${node}.${index}`, node, Number(index));
    this.changes.instances++;
    switch (name) {
      case 'vmstate':
        row.vmState = p.value;
        break;
      case 'statecustom':
        row.stateCustom = p.value;
        break;
      case 'instanceid':
        row.instanceId = p.value;
        break;
      case 'ip':
        row.ip = p.value;
        break;
      case 'hostname':
        row.hostname = p.value;
        break;
      case 'scale.state':
        row.scaleState = p.value;
        break;
      case 'complete': {
        const state = parseStateName(p.value.split('@')[0] ?? '');
        if (!state) break;
        row.completedState = state;
        this.changes.timeline++;
        const list = this.completions.get(row.name) ?? [];
        list.push({ state, time: updatedAt, sequence });
        this.completions.set(row.name, list);
        break;
      }
    }
  }

  private applyLogLine(line: LogLine, sequence: bigint): void {
    if (sequence <= this.lastLogSequence) return;
    this.lastLogSequence = sequence;
    const row = this.instances.get(line.instance);
    if (!row) return;
    row.lastLog = { text: line.text, time: msOf(line.time) ?? Date.now(), gap: line.droppedLines > 0n };
    this.changes.instances++;
    this.changed();
  }

  private addKey(key: string): void {
    const keys = this.keyOrder;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (keys[middle]! < key) low = middle + 1;
      else high = middle;
    }
    keys.splice(low, 0, key);
    this.keysShown = undefined;
  }

  private instanceRow(name: string, node: string, index: number): InstanceRow {
    let row = this.instances.get(name);
    if (!row) {
      row = { name, node, index, vmState: '', stateCustom: '', completedState: undefined, instanceId: '', ip: '', hostname: '', scaleState: '', lastLog: undefined };
      this.instances.set(name, row);
      this.ordered = undefined;
      this.changes.timeline++;
    }
    return row;
  }

  private changed(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.schedule(this.flush);
  }

  private readonly flush = (): void => {
    this.flushPending = false;
    this.version++;
    for (const listener of this.listeners) listener();
  };
}
