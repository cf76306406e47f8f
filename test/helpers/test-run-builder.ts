/**
 * Builders and helpers for tests of the run state machine: a run as the store
 * would hand it over ({@link buildRun}), a checked {@link step} that proves the
 * input run is left untouched, a {@link Sim} that drives one run through a
 * scenario, and small readers that pick parts out of a list of effects.
 */
import { expect } from 'vitest';

import { activeInstances, scaleHookFor } from '../../controller/domain/runs/instance-lookups.js';
import { transition } from '../../controller/domain/runs/state-machine.js';
import { isFinal } from '../../common/runs/states.js';
import type { Effect, EventType, RunInput, RunInstance, RunModel, VmLifecycle } from '../../controller/domain/runs/types.js';
import type { KeepRunning, RunState } from '../../common/runs/states.js';

/** The clock every built run starts at; `stateChangedAt` of a fresh run. */
export const T0 = new Date('2024-01-01T00:00:00.000Z');

/** The moment `minutes` after {@link T0}. */
export const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

/** What {@link buildRun} builds; every field has a default. */
export interface RunSpec {
  /** Node name -> instance count; instances are `node.1..N`. */
  nodes?: Record<string, number>;
  maxProvisioningFailures?: Record<string, number>;
  state?: RunState;
  epoch?: number;
  keepRunning?: KeepRunning;
  scalable?: boolean;
  timeoutMinutes?: number;
  abortMessage?: string;
  /** VM lifecycle of every instance; `pending` in Initializing, else `running`. */
  vm?: VmLifecycle;
  /** Instances that already completed the current (epoch, state). */
  completed?: string[];
}

/** A run as the store would hand it to the state machine. */
export function buildRun(spec: RunSpec = {}): RunModel {
  const nodes = spec.nodes ?? { web: 2 };
  const state = spec.state ?? 'Initializing';
  const epoch = spec.epoch ?? 0;
  const vm = spec.vm ?? (state === 'Initializing' ? 'pending' : 'running');
  const instances = Object.entries(nodes).flatMap(([node, count]) =>
    Array.from({ length: count }, (_, k): RunInstance => {
      const name = `${node}.${k + 1}`;
      const done = spec.completed?.includes(name) ?? false;
      return {
        name,
        node,
        index: k + 1,
        cloud: 'local',
        vm,
        completedEpoch: done ? epoch : 0,
        completedState: done ? state : undefined,
        scaleState: '',
      };
    }),
  );
  return {
    state,
    epoch,
    abortMessage: spec.abortMessage,
    recoveryMode: false,
    keepRunning: spec.keepRunning ?? 'on-success',
    scalable: spec.scalable ?? false,
    timeoutMinutes: spec.timeoutMinutes ?? 30,
    stateChangedAt: T0,
    abortedAt: spec.abortMessage === undefined ? undefined : T0,
    finalState: undefined,
    nodes: Object.entries(nodes).map(([name, count]) => ({
      name,
      maxProvisioningFailures: spec.maxProvisioningFailures?.[name] ?? 0,
      nextIndex: count + 1,
    })),
    instances,
    scale: undefined,
  };
}

/** Freezes `value` and everything it reaches, so a write to it throws; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** `transition`, checking on every call that the input run is left untouched. */
export function step(run: RunModel, input: RunInput, now: Date = T0): { run: RunModel; effects: Effect[] } {
  const before = structuredClone(run);
  deepFreeze(run);
  const result = transition(run, input, now);
  expect(run).toEqual(before);
  return result;
}

/** Drives one run through a scenario, keeping the last step's effects. */
export class Sim {
  /** The clock the next input is sent at; set with {@link Sim.clock}. */
  now: Date = T0;
  /** The effects of the last input sent. */
  effects: Effect[] = [];

  constructor(public run: RunModel) {}

  /** Sends one input through {@link step}; the run moves on and its effects are returned. */
  send(input: RunInput): Effect[] {
    const result = step(this.run, input, this.now);
    this.run = result.run;
    this.effects = result.effects;
    return result.effects;
  }

  /** Every named instance (default: every active one) completes the current (epoch, state); all effects. */
  complete(names: string[] = activeInstances(this.run).map((i) => i.name)): Effect[] {
    const { state, epoch } = this.run;
    return names.flatMap((instance) => this.send({ type: 'state-completed', instance, state, epoch }));
  }

  /** Reports the VM of every named instance (default: every pending one) running. */
  running(names: string[] = this.run.instances.filter((i) => i.vm === 'pending').map((i) => i.name)): void {
    for (const instance of names) this.send({ type: 'vm-running', instance });
  }

  /** Sets the clock to `minutes` after {@link T0}; chainable. */
  clock(minutes: number): this {
    this.now = at(minutes);
    return this;
  }

  /** The instance called `name`; throws when there is none. */
  instance(name: string): RunInstance {
    const found = this.run.instances.find((i) => i.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  /** The scale hook each named instance runs now. */
  hooks(names: string[]): Record<string, string | undefined> {
    return Object.fromEntries(names.map((n) => [n, scaleHookFor(this.run, n)]));
  }
}

/** A run launched with every VM running, still in Provisioning. */
export function launched(spec: RunSpec = {}): Sim {
  const sim = new Sim(buildRun({ ...spec, state: 'Initializing' }));
  sim.send({ type: 'launch' });
  sim.running();
  return sim;
}

/** A run launched and driven through every barrier to Ready. */
export function ready(spec: RunSpec = {}): Sim {
  const sim = launched(spec);
  for (let k = 0; k < 3; k++) sim.complete();
  expect(sim.run.state).toBe('Ready');
  return sim;
}

/** Every `set-parameter` effect as a `[key, value]` pair, in order. */
export const params = (effects: Effect[]): [string, string][] =>
  effects.flatMap((e) => (e.type === 'set-parameter' ? [[e.key, e.value] as [string, string]] : []));
/** The last value set for parameter `key`, if any. */
export const param = (effects: Effect[], key: string): string | undefined => params(effects).findLast(([k]) => k === key)?.[1];
/** Every `event` effect, without its `type`. */
export const events = (effects: Effect[]): { eventType: EventType; actor: string; message: string }[] =>
  effects.flatMap((e) => (e.type === 'event' ? [{ eventType: e.eventType, actor: e.actor, message: e.message }] : []));
/** The type of every effect, in order. */
export const kinds = (effects: Effect[]): Effect['type'][] => effects.map((e) => e.type);
/** Every state published through `ss:state`, in order. */
export const states = (effects: Effect[]): string[] => params(effects).flatMap(([k, v]) => (k === 'ss:state' ? [v] : []));
/** The instances of every `destroy` effect, one list per effect. */
export const destroyed = (effects: Effect[]): string[][] => effects.flatMap((e) => (e.type === 'destroy' ? [e.instances] : []));

/** The effects of `enter(state)` from `from`. */
export function entered(from: RunState, to: RunState, actor = 'controller'): Effect[] {
  return [
    { type: 'event', eventType: 'state', actor, message: `${from} -> ${to}`, change: { from, to } },
    { type: 'set-parameter', key: 'ss:state', value: to },
    isFinal(to) ? { type: 'finished' } : { type: 'push-state' },
  ];
}

/** The `<instance>:complete` parameter an instance's completion of (state, epoch) publishes. */
export const completeParam = (instance: string, state: RunState, epoch = 0): Effect => ({
  type: 'set-parameter',
  key: `${instance}:complete`,
  value: `${state}@${epoch}`,
});
