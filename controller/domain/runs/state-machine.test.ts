import { describe, expect, it } from 'vitest';

import { activeInstances, isFinal, nodeParameters, scaleHookFor, transition } from './state-machine.js';
import type { Effect, EventType, KeepRunning, RunInput, RunInstance, RunModel, RunState, VmLifecycle } from './types.js';

// ---------------------------------------------------------------------------
// Builders and helpers
// ---------------------------------------------------------------------------

const T0 = new Date('2024-01-01T00:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

interface RunSpec {
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
function buildRun(spec: RunSpec = {}): RunModel {
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** `transition`, checking on every call that the input run is left untouched. */
function step(run: RunModel, input: RunInput, now: Date = T0): { run: RunModel; effects: Effect[] } {
  const before = structuredClone(run);
  deepFreeze(run);
  const result = transition(run, input, now);
  expect(run).toEqual(before);
  return result;
}

/** Drives one run through a scenario, keeping the last step's effects. */
class Sim {
  now: Date = T0;
  effects: Effect[] = [];

  constructor(public run: RunModel) {}

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

  running(names: string[] = this.run.instances.filter((i) => i.vm === 'pending').map((i) => i.name)): void {
    for (const instance of names) this.send({ type: 'vm-running', instance });
  }

  clock(minutes: number): this {
    this.now = at(minutes);
    return this;
  }

  instance(name: string): RunInstance {
    const found = this.run.instances.find((i) => i.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  hooks(names: string[]): Record<string, string | undefined> {
    return Object.fromEntries(names.map((n) => [n, scaleHookFor(this.run, n)]));
  }
}

/** A run launched with every VM running, still in Provisioning. */
function launched(spec: RunSpec = {}): Sim {
  const sim = new Sim(buildRun({ ...spec, state: 'Initializing' }));
  sim.send({ type: 'launch' });
  sim.running();
  return sim;
}

/** A run launched and driven through every barrier to Ready. */
function ready(spec: RunSpec = {}): Sim {
  const sim = launched(spec);
  for (let k = 0; k < 3; k++) sim.complete();
  expect(sim.run.state).toBe('Ready');
  return sim;
}

const params = (effects: Effect[]): [string, string][] =>
  effects.flatMap((e) => (e.type === 'set-parameter' ? [[e.key, e.value] as [string, string]] : []));
const param = (effects: Effect[], key: string): string | undefined => params(effects).findLast(([k]) => k === key)?.[1];
const events = (effects: Effect[]): { eventType: EventType; actor: string; message: string }[] =>
  effects.flatMap((e) => (e.type === 'event' ? [{ eventType: e.eventType, actor: e.actor, message: e.message }] : []));
const kinds = (effects: Effect[]): Effect['type'][] => effects.map((e) => e.type);
const states = (effects: Effect[]): string[] => params(effects).flatMap(([k, v]) => (k === 'ss:state' ? [v] : []));
const destroyed = (effects: Effect[]): string[][] => effects.flatMap((e) => (e.type === 'destroy' ? [e.instances] : []));

/** The effects of `enter(state)` from `from`. */
function entered(from: RunState, to: RunState, actor = 'controller'): Effect[] {
  return [
    { type: 'event', eventType: 'state', actor, message: `${from} -> ${to}` },
    { type: 'set-parameter', key: 'ss:state', value: to },
    isFinal(to) ? { type: 'finished' } : { type: 'push-state' },
  ];
}

const completeParam = (instance: string, state: RunState, epoch = 0): Effect => ({
  type: 'set-parameter',
  key: `${instance}:complete`,
  value: `${state}@${epoch}`,
});

// ---------------------------------------------------------------------------
// Launch
// ---------------------------------------------------------------------------

describe('launch', () => {
  it('moves Initializing to Provisioning, publishes node parameters and provisions every pending instance', () => {
    const { run, effects } = step(buildRun({ nodes: { web: 2, db: 1 } }), { type: 'launch' });
    expect(run.state).toBe('Provisioning');
    expect(run.stateChangedAt).toEqual(T0);
    expect(effects).toEqual([
      ...entered('Initializing', 'Provisioning'),
      { type: 'set-parameter', key: 'web:multiplicity', value: '2' },
      { type: 'set-parameter', key: 'web:ids', value: '1,2' },
      { type: 'set-parameter', key: 'db:multiplicity', value: '1' },
      { type: 'set-parameter', key: 'db:ids', value: '1' },
      { type: 'provision', instances: ['web.1', 'web.2', 'db.1'] },
    ]);
  });

  it('cascades a run with no instances to Ready and stays there with on-success', () => {
    const { run, effects } = step(buildRun({ nodes: { web: 0 } }), { type: 'launch' });
    expect(run.state).toBe('Ready');
    expect(kinds(effects)).not.toContain('provision');
    expect(param(effects, 'web:multiplicity')).toBe('0');
    expect(param(effects, 'web:ids')).toBe('');
    expect(states(effects)).toEqual(['Provisioning', 'Executing', 'SendingReports', 'Ready']);
  });

  it('cascades a run with no instances and keepRunning never all the way to Done', () => {
    const { run, effects } = step(buildRun({ nodes: { web: 0 }, keepRunning: 'never' }), { type: 'launch' });
    expect(run.state).toBe('Done');
    expect(run.finalState).toBe('Done');
    expect(states(effects)).toEqual(['Provisioning', 'Executing', 'SendingReports', 'Ready', 'Finalizing', 'Done']);
    expect(kinds(effects)).not.toContain('destroy');
    expect(effects.at(-1)).toEqual({ type: 'finished' });
  });

  it.each(['Provisioning', 'Executing', 'Ready', 'Done'] as const)('is ignored in %s', (state) => {
    const run = buildRun({ state });
    const { run: next, effects } = step(run, { type: 'launch' });
    expect(effects).toEqual([]);
    expect(next).toEqual(run);
  });

  it('marks a VM running once and publishes its vmstate', () => {
    const sim = new Sim(buildRun());
    sim.send({ type: 'launch' });
    expect(sim.send({ type: 'vm-running', instance: 'web.1' })).toEqual([
      { type: 'set-parameter', key: 'web.1:vmstate', value: 'running' },
    ]);
    expect(sim.instance('web.1').vm).toBe('running');
    expect(sim.send({ type: 'vm-running', instance: 'web.1' })).toEqual([]);
    expect(sim.send({ type: 'vm-running', instance: 'nope.1' })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Barrier
// ---------------------------------------------------------------------------

describe('barrier', () => {
  it('advances Provisioning -> Executing -> SendingReports -> Ready only when every instance completed', () => {
    const sim = launched({ nodes: { web: 2 } });
    for (const [from, to] of [
      ['Provisioning', 'Executing'],
      ['Executing', 'SendingReports'],
      ['SendingReports', 'Ready'],
    ] as const) {
      expect(sim.complete(['web.1'])).toEqual([completeParam('web.1', from)]);
      expect(sim.run.state).toBe(from);
      expect(sim.complete(['web.2'])).toEqual([completeParam('web.2', from), ...entered(from, to)]);
      expect(sim.run.state).toBe(to);
    }
    expect(sim.instance('web.1')).toMatchObject({ completedEpoch: 0, completedState: 'SendingReports' });
  });

  it('records the completion on the instance', () => {
    const sim = launched();
    sim.complete(['web.1']);
    expect(sim.instance('web.1')).toMatchObject({ completedEpoch: 0, completedState: 'Provisioning' });
    expect(sim.instance('web.2')).toMatchObject({ completedEpoch: 0, completedState: undefined });
  });

  it.each<[string, Partial<{ state: RunState; epoch: number; instance: string }>]>([
    ['a stale state', { state: 'Provisioning' }],
    ['a future state', { state: 'SendingReports' }],
    ['a stale epoch', { epoch: 0 }],
    ['a future epoch', { epoch: 2 }],
    ['an unknown instance', { instance: 'nope.1' }],
  ])('ignores a completion for %s', (_, override) => {
    const run = buildRun({ state: 'Executing', epoch: 1, completed: ['web.1'] });
    const input: RunInput = { type: 'state-completed', instance: 'web.2', state: 'Executing', epoch: 1, ...override };
    const { run: next, effects } = step(run, input);
    expect(effects).toEqual([]);
    expect(next).toEqual(run);
  });

  it('ignores a duplicate completion', () => {
    const run = buildRun({ state: 'Executing', completed: ['web.1'] });
    const { run: next, effects } = step(run, { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 });
    expect(effects).toEqual([]);
    expect(next).toEqual(run);
  });

  it.each(['Initializing', 'Ready', 'Finalizing', 'Done'] as const)('ignores completions in %s', (state) => {
    const run = buildRun({ state });
    expect(step(run, { type: 'state-completed', instance: 'web.1', state, epoch: 0 }).effects).toEqual([]);
  });

  it('does not wait for failed, terminated or removed instances', () => {
    const run = buildRun({ nodes: { web: 4 }, state: 'Executing' });
    run.instances[1]!.vm = 'failed';
    run.instances[2]!.vm = 'terminated';
    run.instances[3]!.scaleState = 'removed';
    const { run: next, effects } = step(run, { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 });
    expect(next.state).toBe('SendingReports');
    expect(effects).toEqual([completeParam('web.1', 'Executing'), ...entered('Executing', 'SendingReports')]);
  });

  it('advances when the last blocking instance fails instead of completing', () => {
    const sim = launched({ nodes: { web: 2 }, maxProvisioningFailures: { web: 1 } });
    sim.complete(['web.1']);
    sim.send({ type: 'provisioning-failed', instance: 'web.2', message: 'no capacity' });
    expect(sim.run.state).toBe('Executing');
    expect(sim.run.abortMessage).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// Leaving Ready and Finalizing
// ---------------------------------------------------------------------------

describe('leaving Ready', () => {
  // keepRunning, aborted, scalable -> stays in Ready?
  const table: [KeepRunning, boolean, boolean, boolean][] = [
    ['never', false, false, false],
    ['never', true, false, false],
    ['never', false, true, true],
    ['never', true, true, true],
    ['always', false, false, true],
    ['always', true, false, true],
    ['always', false, true, true],
    ['always', true, true, true],
    ['on-success', false, false, true],
    ['on-success', true, false, false],
    ['on-success', false, true, true],
    ['on-success', true, true, true],
    ['on-error', false, false, false],
    ['on-error', true, false, true],
    ['on-error', false, true, true],
    ['on-error', true, true, true],
  ];

  it.each(table)('keepRunning %s, aborted %s, scalable %s: stays %s', (keepRunning, aborted, scalable, stays) => {
    const run = buildRun({
      state: 'SendingReports',
      keepRunning,
      scalable,
      completed: ['web.1'],
      ...(aborted ? { abortMessage: 'boom' } : {}),
    });
    const { run: next, effects } = step(run, { type: 'state-completed', instance: 'web.2', state: 'SendingReports', epoch: 0 }, at(1));
    const finalState = aborted ? 'Aborted' : 'Done';
    if (stays) {
      expect(next.state).toBe('Ready');
      expect(next.finalState).toBeUndefined();
      expect(effects).toEqual([completeParam('web.2', 'SendingReports'), ...entered('SendingReports', 'Ready')]);
    } else {
      expect(next.state).toBe('Finalizing');
      expect(next.finalState).toBe(finalState);
      expect(effects).toEqual([
        completeParam('web.2', 'SendingReports'),
        ...entered('SendingReports', 'Ready'),
        ...entered('Ready', 'Finalizing'),
        { type: 'destroy', instances: ['web.1', 'web.2'] },
      ]);
      const sim = new Sim(next);
      expect(sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] })).toEqual([
        { type: 'set-parameter', key: 'web.1:vmstate', value: 'terminated' },
        { type: 'set-parameter', key: 'web.2:vmstate', value: 'terminated' },
        ...entered('Finalizing', finalState),
      ]);
      expect(sim.run.state).toBe(finalState);
    }
  });
});

describe('Finalizing', () => {
  function finalizing(): Sim {
    const sim = ready({ nodes: { web: 2, db: 1 }, keepRunning: 'always' });
    sim.send({ type: 'terminate', actor: 'user:op' });
    expect(sim.run.state).toBe('Finalizing');
    expect(destroyed(sim.effects)).toEqual([['web.1', 'web.2', 'db.1']]);
    return sim;
  }

  it('stays in Finalizing until every instance with a VM is destroyed', () => {
    const sim = finalizing();
    expect(sim.send({ type: 'vms-destroyed', instances: ['web.1'] })).toEqual([
      { type: 'set-parameter', key: 'web.1:vmstate', value: 'terminated' },
    ]);
    expect(sim.run.state).toBe('Finalizing');
    sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
    expect(sim.effects).toEqual([{ type: 'set-parameter', key: 'web.2:vmstate', value: 'terminated' }]);
    expect(sim.run.state).toBe('Finalizing');
    sim.send({ type: 'vms-destroyed', instances: ['db.1'] });
    expect(sim.run.state).toBe('Done');
    expect(kinds(sim.effects)).toContain('finished');
  });

  it('does not wait for instances whose VM failed', () => {
    const sim = ready({ nodes: { web: 3 }, keepRunning: 'always', maxProvisioningFailures: { web: 1 } });
    // A failure after Provisioning (not counted toward an abort: within the limit).
    sim.send({ type: 'provisioning-failed', instance: 'web.3', message: 'gone' });
    sim.send({ type: 'terminate', actor: 'user:op' });
    expect(destroyed(sim.effects)).toEqual([['web.1', 'web.2']]);
    sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
    expect(sim.run.state).toBe('Done');
  });

  it('ignores ticks, aborts, scale and terminate while finalizing', () => {
    const sim = finalizing();
    const before = sim.run;
    for (const input of [
      { type: 'tick' },
      { type: 'abort', message: 'x', actor: 'user:op' },
      { type: 'terminate', actor: 'user:op' },
      { type: 'scale-add', node: 'web', count: 1, cloud: 'local', actor: 'user:op' },
      { type: 'instance-lost', instance: 'web.1', message: 'gone' },
    ] as RunInput[]) {
      expect(step(sim.run, input, at(600)).effects).toEqual([]);
    }
    expect(sim.run).toBe(before);
  });
});

// ---------------------------------------------------------------------------
// Abort
// ---------------------------------------------------------------------------

describe('abort', () => {
  it('keeps the first message', () => {
    const sim = launched();
    sim.complete();
    sim.clock(1).send({ type: 'abort', message: 'first', actor: 'agent:web.1' });
    expect(sim.send({ type: 'abort', message: 'second', actor: 'agent:web.2' })).toEqual([]);
    expect(sim.run.abortMessage).toBe('first');
    expect(sim.run.abortedAt).toEqual(at(1));
  });

  it('in Provisioning enters recovery mode and goes straight to SendingReports', () => {
    const sim = launched({ nodes: { web: 2 } });
    sim.complete(['web.1']);
    expect(sim.clock(2).send({ type: 'abort', message: 'stop', actor: 'user:op' })).toEqual([
      { type: 'event', eventType: 'abort', actor: 'user:op', message: 'stop' },
      { type: 'set-parameter', key: 'ss:abort', value: 'stop' },
      ...entered('Provisioning', 'SendingReports'),
    ]);
    expect(sim.run).toMatchObject({ state: 'SendingReports', recoveryMode: true, abortMessage: 'stop', stateChangedAt: at(2) });
    // A late Provisioning completion no longer counts.
    expect(sim.send({ type: 'state-completed', instance: 'web.2', state: 'Provisioning', epoch: 0 })).toEqual([]);
    sim.complete();
    expect(sim.run.state).toBe('Finalizing');
    expect(sim.run.finalState).toBe('Aborted');
    sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
    expect(sim.run.state).toBe('Aborted');
  });

  it('in Initializing ends the run Aborted at once: nothing was provisioned', () => {
    const sim = new Sim(buildRun({ nodes: { web: 2 } }));
    sim.send({ type: 'abort', message: 'stop', actor: 'user:op' });
    expect(states(sim.effects)).toEqual(['Finalizing', 'Aborted']);
    expect(kinds(sim.effects)).not.toContain('destroy');
    expect(sim.run.instances.every((i) => i.vm === 'terminated')).toBe(true);
  });

  it('in Executing pushes the abort and drains through SendingReports to Aborted (on-success)', () => {
    const sim = launched({ nodes: { web: 2 } });
    sim.complete();
    expect(sim.send({ type: 'abort', message: 'deploy failed', actor: 'agent:web.2' })).toEqual([
      { type: 'event', eventType: 'abort', actor: 'agent:web.2', message: 'deploy failed' },
      { type: 'set-parameter', key: 'ss:abort', value: 'deploy failed' },
      { type: 'push-state' },
    ]);
    expect(sim.run).toMatchObject({ state: 'Executing', recoveryMode: false });
    sim.complete();
    expect(sim.run.state).toBe('SendingReports');
    const effects = sim.complete();
    expect(states(effects)).toEqual(['Ready', 'Finalizing']);
    expect(sim.run.finalState).toBe('Aborted');
    expect(destroyed(effects)).toEqual([['web.1', 'web.2']]);
    sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
    expect(sim.run.state).toBe('Aborted');
    expect(sim.effects.at(-1)).toEqual({ type: 'finished' });
  });

  it('in Executing drains to Ready and stays there with on-error', () => {
    const sim = launched({ keepRunning: 'on-error' });
    sim.complete();
    sim.send({ type: 'abort', message: 'deploy failed', actor: 'agent:web.2' });
    sim.complete();
    sim.complete();
    expect(sim.run.state).toBe('Ready');
    expect(sim.run.abortMessage).toBe('deploy failed');
    expect(kinds(sim.effects)).not.toContain('destroy');
  });

  it('in SendingReports pushes the abort and keeps draining', () => {
    const sim = launched();
    sim.complete();
    sim.complete();
    expect(sim.send({ type: 'abort', message: 'x', actor: 'user:op' })).toEqual([
      { type: 'event', eventType: 'abort', actor: 'user:op', message: 'x' },
      { type: 'set-parameter', key: 'ss:abort', value: 'x' },
      { type: 'push-state' },
    ]);
    expect(sim.run.state).toBe('SendingReports');
  });

  it('in Ready applies the keepRunning rule at once', () => {
    const onSuccess = ready({ keepRunning: 'on-success' });
    onSuccess.send({ type: 'abort', message: 'x', actor: 'user:op' });
    expect(onSuccess.run).toMatchObject({ state: 'Finalizing', finalState: 'Aborted' });
    expect(destroyed(onSuccess.effects)).toEqual([['web.1', 'web.2']]);

    const scalable = ready({ scalable: true });
    expect(scalable.send({ type: 'abort', message: 'x', actor: 'user:op' })).toEqual([
      { type: 'event', eventType: 'abort', actor: 'user:op', message: 'x' },
      { type: 'set-parameter', key: 'ss:abort', value: 'x' },
      { type: 'push-state' },
    ]);
    expect(scalable.run.state).toBe('Ready');
  });

  it.each(['Done', 'Aborted', 'Cancelled', 'Finalizing'] as const)('is ignored in %s', (state) => {
    const run = buildRun({ state });
    expect(step(run, { type: 'abort', message: 'x', actor: 'user:op' }).effects).toEqual([]);
  });
});

describe('cancel-abort', () => {
  it('clears the flag and lets the run drain to a successful Ready', () => {
    const sim = launched();
    sim.complete();
    sim.send({ type: 'abort', message: 'x', actor: 'agent:web.1' });
    expect(sim.send({ type: 'cancel-abort', actor: 'agent:web.1' })).toEqual([
      { type: 'event', eventType: 'abort-cancelled', actor: 'agent:web.1', message: 'abort flag cleared' },
      { type: 'set-parameter', key: 'ss:abort', value: '' },
      { type: 'push-state' },
    ]);
    expect(sim.run).toMatchObject({ abortMessage: undefined, abortedAt: undefined, recoveryMode: false });
    sim.complete();
    sim.complete();
    expect(sim.run.state).toBe('Ready');
  });

  it('leaves recovery mode', () => {
    const sim = launched();
    sim.send({ type: 'abort', message: 'x', actor: 'user:op' });
    expect(sim.run.recoveryMode).toBe(true);
    sim.send({ type: 'cancel-abort', actor: 'user:op' });
    expect(sim.run).toMatchObject({ state: 'SendingReports', recoveryMode: false, abortMessage: undefined });
  });

  it('in Ready re-applies the keepRunning rule: on-error without an error does not stay', () => {
    const sim = launched({ keepRunning: 'on-error' });
    sim.send({ type: 'abort', message: 'x', actor: 'user:op' });
    sim.complete();
    expect(sim.run.state).toBe('Ready');
    sim.send({ type: 'cancel-abort', actor: 'user:op' });
    expect(sim.run).toMatchObject({ state: 'Finalizing', finalState: 'Done', abortMessage: undefined });
    expect(destroyed(sim.effects)).toEqual([['web.1', 'web.2']]);
  });

  it('does nothing without an abort flag', () => {
    expect(launched().send({ type: 'cancel-abort', actor: 'user:op' })).toEqual([]);
  });

  it.each(['Aborted', 'Finalizing'] as const)('does nothing in %s', (state) => {
    const run = buildRun({ state, abortMessage: 'x' });
    const { run: next, effects } = step(run, { type: 'cancel-abort', actor: 'user:op' });
    expect(effects).toEqual([]);
    expect(next.abortMessage).toBe('x');
  });
});

// ---------------------------------------------------------------------------
// Terminate
// ---------------------------------------------------------------------------

describe('terminate', () => {
  it.each(['Initializing', 'Provisioning', 'Executing', 'SendingReports'] as const)(
    'from %s ends Cancelled through Finalizing',
    (state) => {
      const sim = new Sim(buildRun({ state, nodes: { web: 2 } }));
      expect(sim.send({ type: 'terminate', actor: 'user:op' })).toEqual([
        { type: 'event', eventType: 'terminate', actor: 'user:op', message: `terminate requested in ${state}` },
        ...entered(state, 'Finalizing', 'user:op'),
        { type: 'destroy', instances: ['web.1', 'web.2'] },
      ]);
      expect(sim.run).toMatchObject({ state: 'Finalizing', finalState: 'Cancelled' });
      sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
      expect(sim.run.state).toBe('Cancelled');
      expect(sim.effects.slice(-3)).toEqual(entered('Finalizing', 'Cancelled'));
    },
  );

  it('from a transitional run without VMs ends Cancelled at once', () => {
    const { run, effects } = step(buildRun({ state: 'Executing', vm: 'failed' }), { type: 'terminate', actor: 'user:op' });
    expect(run.state).toBe('Cancelled');
    expect(kinds(effects)).not.toContain('destroy');
    expect(states(effects)).toEqual(['Finalizing', 'Cancelled']);
  });

  it('from Ready ends Done', () => {
    const sim = ready({ keepRunning: 'always' });
    sim.send({ type: 'terminate', actor: 'user:op' });
    expect(sim.run.finalState).toBe('Done');
    sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
    expect(sim.run.state).toBe('Done');
  });

  it('from Ready with the abort flag ends Aborted', () => {
    const sim = ready({ keepRunning: 'always' });
    sim.send({ type: 'abort', message: 'x', actor: 'user:op' });
    expect(sim.run.state).toBe('Ready');
    sim.send({ type: 'terminate', actor: 'user:op' });
    sim.send({ type: 'vms-destroyed', instances: ['web.1', 'web.2'] });
    expect(sim.run.state).toBe('Aborted');
  });

  it.each(['Done', 'Aborted', 'Cancelled'] as const)('does nothing on a %s run', (state) => {
    const run = buildRun({ state });
    const { run: next, effects } = step(run, { type: 'terminate', actor: 'user:op' });
    expect(effects).toEqual([]);
    expect(next).toEqual(run);
  });
});

// ---------------------------------------------------------------------------
// Timeout
// ---------------------------------------------------------------------------

describe('timeout', () => {
  function executing(spec: RunSpec = {}): Sim {
    const sim = launched({ timeoutMinutes: 30, ...spec });
    sim.complete();
    expect(sim.run.state).toBe('Executing');
    return sim;
  }

  it('does nothing before the limit', () => {
    const sim = executing();
    expect(sim.clock(29.99).send({ type: 'tick' })).toEqual([]);
  });

  it('aborts once the state lasted the limit', () => {
    const sim = executing();
    expect(sim.clock(30).send({ type: 'tick' })).toEqual([
      { type: 'event', eventType: 'timeout', actor: 'controller', message: 'run timed out: Executing for more than 30 minute(s)' },
      { type: 'event', eventType: 'abort', actor: 'controller', message: 'run timed out in Executing after 30 minute(s)' },
      { type: 'set-parameter', key: 'ss:abort', value: 'run timed out in Executing after 30 minute(s)' },
      { type: 'push-state' },
    ]);
    expect(sim.run.abortMessage).toMatch(/^run timed out/);
    expect(sim.run.abortedAt).toEqual(at(30));
  });

  it('counts from the last state change', () => {
    const sim = launched();
    sim.clock(20).complete();
    expect(sim.clock(49).send({ type: 'tick' })).toEqual([]);
    sim.clock(50).send({ type: 'tick' });
    expect(sim.run.abortMessage).toMatch(/^run timed out in Executing/);
  });

  it('in Provisioning goes to recovery like any abort', () => {
    const sim = launched();
    sim.clock(30).send({ type: 'tick' });
    expect(sim.run).toMatchObject({ state: 'SendingReports', recoveryMode: true });
  });

  it('applies in Initializing', () => {
    const sim = new Sim(buildRun({ nodes: { web: 0 } }));
    sim.clock(30).send({ type: 'tick' });
    expect(events(sim.effects)[0]).toMatchObject({ eventType: 'timeout' });
    expect(sim.run.abortMessage).toMatch(/^run timed out in Initializing/);
  });

  it.each(['Ready', 'Finalizing', 'Done', 'Aborted', 'Cancelled'] as const)('never applies in %s', (state) => {
    expect(step(buildRun({ state }), { type: 'tick' }, at(10_000)).effects).toEqual([]);
  });

  it('forces a drain stuck for another timeout period to Ready, then keepRunning decides', () => {
    const sim = executing();
    sim.clock(30).send({ type: 'tick' });
    sim.complete(['web.1']);
    expect(sim.clock(59.99).send({ type: 'tick' })).toEqual([]);
    const effects = sim.clock(60).send({ type: 'tick' });
    expect(events(effects)[0]).toEqual({
      eventType: 'timeout',
      actor: 'controller',
      message: 'drain timed out in Executing; not waiting for web.2',
    });
    expect(states(effects)).toEqual(['Ready', 'Finalizing']);
    expect(sim.run.finalState).toBe('Aborted');
    expect(destroyed(effects)).toEqual([['web.1', 'web.2']]);
  });

  it('forced drain stays in Ready with on-error', () => {
    const sim = executing({ keepRunning: 'on-error' });
    sim.clock(30).send({ type: 'tick' });
    sim.clock(60).send({ type: 'tick' });
    expect(sim.run.state).toBe('Ready');
    expect(sim.run.abortMessage).toMatch(/^run timed out/);
  });
});

// ---------------------------------------------------------------------------
// Provisioning failures and lost instances
// ---------------------------------------------------------------------------

describe('provisioning failures', () => {
  it('within maxProvisioningFailures removes the instance from the barrier and the node parameters', () => {
    const sim = launched({ nodes: { web: 3, db: 1 }, maxProvisioningFailures: { web: 1 } });
    expect(sim.send({ type: 'provisioning-failed', instance: 'web.2', message: 'InsufficientInstanceCapacity' })).toEqual([
      { type: 'set-parameter', key: 'web.2:vmstate', value: 'failed' },
      { type: 'event', eventType: 'provisioning-failure', actor: 'controller', message: 'web.2: InsufficientInstanceCapacity' },
      { type: 'set-parameter', key: 'web:multiplicity', value: '2' },
      { type: 'set-parameter', key: 'web:ids', value: '1,3' },
    ]);
    expect(sim.run.abortMessage).toBeUndefined();
    expect(sim.instance('web.2').vm).toBe('failed');
    sim.complete(['web.1', 'web.3', 'db.1']);
    expect(sim.run.state).toBe('Executing');
  });

  it('ignores a repeated failure of the same instance', () => {
    const sim = launched({ maxProvisioningFailures: { web: 1 } });
    sim.send({ type: 'provisioning-failed', instance: 'web.1', message: 'x' });
    expect(sim.send({ type: 'provisioning-failed', instance: 'web.1', message: 'x' })).toEqual([]);
    expect(sim.run.abortMessage).toBeUndefined();
  });

  it('beyond maxProvisioningFailures aborts naming the node and the cloud message', () => {
    const sim = launched({ nodes: { web: 3, db: 2 }, maxProvisioningFailures: { web: 1, db: 5 } });
    sim.send({ type: 'provisioning-failed', instance: 'db.1', message: 'quota' });
    sim.send({ type: 'provisioning-failed', instance: 'web.1', message: 'quota' });
    expect(sim.run.abortMessage).toBeUndefined();
    const effects = sim.send({ type: 'provisioning-failed', instance: 'web.3', message: 'VcpuLimitExceeded' });
    const message = sim.run.abortMessage!;
    expect(message).toContain('node web');
    expect(message).toContain('VcpuLimitExceeded');
    expect(message).toContain('web.3');
    expect(events(effects).map((e) => e.eventType)).toEqual(['provisioning-failure', 'abort', 'state']);
    expect(param(effects, 'ss:abort')).toBe(message);
    expect(sim.run).toMatchObject({ state: 'SendingReports', recoveryMode: true });
  });

  it('with the default of 0 the first failure aborts', () => {
    const sim = launched({ nodes: { web: 2 } });
    sim.send({ type: 'provisioning-failed', instance: 'web.2', message: 'bad image' });
    expect(sim.run.abortMessage).toMatch(/node web.*bad image/);
  });

  it('is ignored once the run is final', () => {
    expect(step(buildRun({ state: 'Done' }), { type: 'provisioning-failed', instance: 'web.1', message: 'x' }).effects).toEqual([]);
  });
});

describe('instance-lost', () => {
  it('fails the instance and aborts naming it', () => {
    const sim = launched({ maxProvisioningFailures: { web: 5 } });
    sim.complete();
    const effects = sim.send({ type: 'instance-lost', instance: 'web.2', message: 'heartbeat missed' });
    expect(effects).toEqual([
      { type: 'set-parameter', key: 'web.2:vmstate', value: 'failed' },
      { type: 'event', eventType: 'instance-lost', actor: 'controller', message: 'web.2: heartbeat missed' },
      { type: 'set-parameter', key: 'web:multiplicity', value: '1' },
      { type: 'set-parameter', key: 'web:ids', value: '1' },
      { type: 'event', eventType: 'abort', actor: 'controller', message: 'instance web.2 was lost: heartbeat missed' },
      { type: 'set-parameter', key: 'ss:abort', value: 'instance web.2 was lost: heartbeat missed' },
      { type: 'push-state' },
    ]);
    // The barrier no longer waits for the lost instance.
    sim.complete(['web.1']);
    expect(sim.run.state).toBe('SendingReports');
  });

  it.each(['Finalizing', 'Done'] as const)('is ignored in %s', (state) => {
    expect(step(buildRun({ state }), { type: 'instance-lost', instance: 'web.1', message: 'x' }).effects).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Scale
// ---------------------------------------------------------------------------

describe('scale add', () => {
  it('adds new instances, starts a new epoch and provisions them', () => {
    const sim = ready({ nodes: { web: 2 }, scalable: true });
    expect(sim.clock(5).send({ type: 'scale-add', node: 'web', count: 2, cloud: 'aws-eu', actor: 'user:op' })).toEqual([
      { type: 'event', eventType: 'scale', actor: 'user:op', message: 'adding web.3, web.4' },
      ...entered('Ready', 'Provisioning', 'user:op'),
      { type: 'set-parameter', key: 'web:multiplicity', value: '4' },
      { type: 'set-parameter', key: 'web:ids', value: '1,2,3,4' },
      { type: 'provision', instances: ['web.3', 'web.4'] },
    ]);
    expect(sim.run).toMatchObject({
      state: 'Provisioning',
      epoch: 1,
      stateChangedAt: at(5),
      scale: { action: 'add', node: 'web', instances: ['web.3', 'web.4'] },
    });
    expect(sim.run.nodes[0]!.nextIndex).toBe(5);
    expect(sim.instance('web.3')).toMatchObject({ node: 'web', index: 3, cloud: 'aws-eu', vm: 'pending', scaleState: 'adding' });
  });

  it('gives existing instances their hooks per state and new ones their phases, then clears the scale in Ready', () => {
    const sim = ready({ nodes: { web: 2, db: 1 }, scalable: true });
    sim.send({ type: 'scale-add', node: 'web', count: 1, cloud: 'local', actor: 'user:op' });
    sim.running();
    const all = ['web.1', 'web.2', 'db.1', 'web.3'];
    expect(sim.hooks(all)).toEqual({ 'web.1': '', 'web.2': '', 'db.1': '', 'web.3': undefined });
    // A completion of the previous epoch does not count.
    expect(sim.send({ type: 'state-completed', instance: 'web.1', state: 'Provisioning', epoch: 0 })).toEqual([]);
    // Every instance, old and new, is in the barrier.
    sim.complete(['web.1', 'web.2', 'db.1']);
    expect(sim.run.state).toBe('Provisioning');
    sim.complete(['web.3']);
    expect(sim.run.state).toBe('Executing');
    expect(sim.hooks(all)).toEqual({ 'web.1': 'onVmAdd', 'web.2': 'onVmAdd', 'db.1': 'onVmAdd', 'web.3': undefined });
    sim.complete();
    expect(sim.hooks(all)).toEqual({ 'web.1': 'postScale', 'web.2': 'postScale', 'db.1': 'postScale', 'web.3': undefined });
    const effects = sim.complete();
    expect(sim.run.state).toBe('Ready');
    expect(sim.run.scale).toBeUndefined();
    expect(sim.instance('web.3').scaleState).toBe('');
    expect(sim.hooks(all)).toEqual({ 'web.1': undefined, 'web.2': undefined, 'db.1': undefined, 'web.3': undefined });
    expect(events(effects).at(-1)).toEqual({ eventType: 'scale', actor: 'controller', message: 'scale add of web.3 done' });
    expect(sim.instance('web.3')).toMatchObject({ completedEpoch: 1, completedState: 'SendingReports' });
  });

  it('never reuses ids, even after a remove of the highest one', () => {
    const sim = ready({ nodes: { web: 2 }, scalable: true });
    sim.send({ type: 'scale-remove', instances: ['web.2'], actor: 'user:op' });
    for (let k = 0; k < 3; k++) sim.complete();
    expect(sim.run).toMatchObject({ state: 'Ready', epoch: 1 });
    sim.send({ type: 'scale-add', node: 'web', count: 1, cloud: 'local', actor: 'user:op' });
    expect(sim.run.scale?.instances).toEqual(['web.3']);
    expect(sim.run.epoch).toBe(2);
    expect(param(sim.effects, 'web:ids')).toBe('1,3');
    expect(sim.run.instances.map((i) => i.name)).toEqual(['web.1', 'web.2', 'web.3']);
  });

  it.each(['Provisioning', 'Executing', 'SendingReports', 'Finalizing', 'Done'] as const)('is refused in %s', (state) => {
    const run = buildRun({ state, scalable: true });
    expect(step(run, { type: 'scale-add', node: 'web', count: 1, cloud: 'local', actor: 'user:op' }).effects).toEqual([]);
  });

  it.each([
    ['an unknown node', 'db', 1],
    ['a zero count', 'web', 0],
  ] as const)('is refused for %s', (_, node, count) => {
    const sim = ready({ scalable: true });
    expect(sim.send({ type: 'scale-add', node, count, cloud: 'local', actor: 'user:op' })).toEqual([]);
    expect(sim.run.epoch).toBe(0);
  });

  it('is refused while the abort flag is set', () => {
    const sim = ready({ scalable: true });
    sim.send({ type: 'abort', message: 'x', actor: 'user:op' });
    expect(sim.send({ type: 'scale-add', node: 'web', count: 1, cloud: 'local', actor: 'user:op' })).toEqual([]);
    expect(sim.send({ type: 'scale-remove', instances: ['web.1'], actor: 'user:op' })).toEqual([]);
    sim.send({ type: 'cancel-abort', actor: 'user:op' });
    sim.send({ type: 'scale-add', node: 'web', count: 1, cloud: 'local', actor: 'user:op' });
    expect(sim.run.state).toBe('Provisioning');
  });
});

describe('scale remove', () => {
  function removing(): Sim {
    const sim = ready({ nodes: { web: 3, db: 1 }, scalable: true });
    sim.clock(5).send({ type: 'scale-remove', instances: ['web.2'], actor: 'user:op' });
    return sim;
  }

  it('marks the instances removing and starts a new epoch in Provisioning', () => {
    const sim = removing();
    expect(sim.effects).toEqual([
      { type: 'set-parameter', key: 'web.2:scale.state', value: 'removing' },
      { type: 'event', eventType: 'scale', actor: 'user:op', message: 'removing web.2' },
      ...entered('Ready', 'Provisioning', 'user:op'),
    ]);
    expect(sim.run).toMatchObject({ state: 'Provisioning', epoch: 1, scale: { action: 'remove', node: 'web', instances: ['web.2'] } });
    expect(sim.instance('web.2').scaleState).toBe('removing');
  });

  it('runs preScale on the removed, onVmRemove and postScale on the remaining, then destroys the removed', () => {
    const sim = removing();
    const all = ['web.1', 'web.2', 'web.3', 'db.1'];
    expect(sim.hooks(all)).toEqual({ 'web.1': '', 'web.2': 'preScale', 'web.3': '', 'db.1': '' });
    // The instance being removed is still in the barrier.
    sim.complete(['web.1', 'web.3', 'db.1']);
    expect(sim.run.state).toBe('Provisioning');
    sim.complete(['web.2']);
    expect(sim.hooks(all)).toEqual({ 'web.1': 'onVmRemove', 'web.2': '', 'web.3': 'onVmRemove', 'db.1': 'onVmRemove' });
    sim.complete();
    expect(sim.run.state).toBe('SendingReports');
    expect(sim.hooks(all)).toEqual({ 'web.1': 'postScale', 'web.2': '', 'web.3': 'postScale', 'db.1': 'postScale' });
    sim.complete(['web.1', 'web.3', 'db.1']);
    expect(sim.send({ type: 'state-completed', instance: 'web.2', state: 'SendingReports', epoch: 1 })).toEqual([
      completeParam('web.2', 'SendingReports', 1),
      { type: 'set-parameter', key: 'web.2:scale.state', value: 'removed' },
      { type: 'destroy', instances: ['web.2'] },
      { type: 'set-parameter', key: 'web:multiplicity', value: '2' },
      { type: 'set-parameter', key: 'web:ids', value: '1,3' },
      ...entered('SendingReports', 'Ready'),
      { type: 'event', eventType: 'scale', actor: 'controller', message: 'scale remove of web.2 done' },
    ]);
    expect(sim.run.scale).toBeUndefined();
    expect(sim.instance('web.2').scaleState).toBe('removed');
    expect(activeInstances(sim.run).map((i) => i.name)).toEqual(['web.1', 'web.3', 'db.1']);
    expect(nodeParameters(sim.run, 'web')).toEqual({ multiplicity: '2', ids: '1,3' });

    expect(sim.send({ type: 'vms-destroyed', instances: ['web.2'] })).toEqual([
      { type: 'set-parameter', key: 'web.2:vmstate', value: 'terminated' },
    ]);
    expect(sim.run.state).toBe('Ready');
    // Terminating later destroys only what is left.
    sim.send({ type: 'terminate', actor: 'user:op' });
    expect(destroyed(sim.effects)).toEqual([['web.1', 'web.3', 'db.1']]);
  });

  it('ignores a repeated instance in the request', () => {
    const sim = ready({ nodes: { web: 3 }, scalable: true });
    sim.send({ type: 'scale-remove', instances: ['web.2', 'web.2'], actor: 'user:op' });
    expect(sim.run.scale?.instances).toEqual(['web.2']);
    sim.complete();
    sim.complete();
    const effects = sim.complete();
    expect(destroyed(effects)).toEqual([['web.2']]);
    expect(params(effects).filter(([k]) => k === 'web.2:scale.state')).toEqual([['web.2:scale.state', 'removed']]);
  });

  it('a forced drain still removes and destroys the instances being removed', () => {
    const sim = ready({ nodes: { web: 3 }, scalable: true, timeoutMinutes: 10 });
    sim.send({ type: 'scale-remove', instances: ['web.3'], actor: 'user:op' });
    sim.clock(10).send({ type: 'tick' });
    expect(sim.run.state).toBe('SendingReports');
    const effects = sim.clock(20).send({ type: 'tick' });
    expect(sim.run.state).toBe('Ready');
    expect(sim.run.scale).toBeUndefined();
    expect(sim.instance('web.3').scaleState).toBe('removed');
    expect(destroyed(effects)).toEqual([['web.3']]);
    expect(param(effects, 'web:ids')).toBe('1,2');
  });

  it.each<[string, string[], RunState]>([
    ['an empty list', [], 'Ready'],
    ['an unknown instance', ['web.9'], 'Ready'],
    ['instances of two nodes', ['web.1', 'db.1'], 'Ready'],
    ['a run that is not Ready', ['web.1'], 'Executing'],
  ])('is refused for %s', (_, instances, state) => {
    const run = buildRun({ nodes: { web: 2, db: 1 }, state, scalable: true });
    expect(step(run, { type: 'scale-remove', instances, actor: 'user:op' }).effects).toEqual([]);
  });

  it('is refused for a failed or removed instance', () => {
    const run = buildRun({ nodes: { web: 3 }, state: 'Ready', scalable: true });
    run.instances[0]!.vm = 'failed';
    run.instances[1]!.scaleState = 'removed';
    expect(step(run, { type: 'scale-remove', instances: ['web.1'], actor: 'user:op' }).effects).toEqual([]);
    expect(step(run, { type: 'scale-remove', instances: ['web.2'], actor: 'user:op' }).effects).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Invariants over random input sequences
// ---------------------------------------------------------------------------

/** Deterministic PRNG (mulberry32) so a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random input; `vms-destroyed` only for VMs a `destroy` effect asked for, as the engine does. */
function randomInput(run: RunModel, rnd: () => number, destroyRequested: ReadonlySet<string>): RunInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const names = [...run.instances.map((i) => i.name), 'web.99'];
  const r = rnd();
  if (r < 0.6) {
    const fresh = rnd() < 0.9;
    return {
      type: 'state-completed',
      instance: pick(names),
      state: fresh ? run.state : pick(['Provisioning', 'Executing', 'SendingReports'] as const),
      epoch: fresh ? run.epoch : run.epoch - 1,
    };
  }
  const actor = 'user:op';
  return pick<() => RunInput>([
    () => ({ type: 'launch' }),
    () => ({ type: 'vm-running', instance: pick(names) }),
    () => ({ type: 'provisioning-failed', instance: pick(names), message: 'quota' }),
    () => ({ type: 'instance-lost', instance: pick(names), message: 'gone' }),
    () => ({ type: 'abort', message: pick(['a', 'b']), actor }),
    () => ({ type: 'cancel-abort', actor }),
    () => (rnd() < 0.3 ? { type: 'terminate', actor } : { type: 'tick' }),
    () => ({ type: 'tick' }),
    () => ({ type: 'vms-destroyed', instances: [...destroyRequested].filter(() => rnd() < 0.7) }),
    () => ({ type: 'scale-add', node: pick(['web', 'db']), count: 1 + Math.floor(rnd() * 2), cloud: 'local', actor }),
    () => ({ type: 'scale-add', node: pick(['web', 'db']), count: 1, cloud: 'local', actor }),
    () => {
      const first = pick(activeInstances(run).length > 0 ? activeInstances(run) : run.instances);
      const sameNode = run.instances.filter((i) => i.node === first?.node && rnd() < 0.3).map((i) => i.name);
      return { type: 'scale-remove', instances: first ? [first.name, ...sameNode] : [], actor };
    },
  ])();
}

const staysReady = (run: RunModel): boolean =>
  run.scalable ||
  run.keepRunning === 'always' ||
  (run.keepRunning === 'on-success' && run.abortMessage === undefined) ||
  (run.keepRunning === 'on-error' && run.abortMessage !== undefined);

/** What is wrong with one step (`before` -input-> `after`, `effects`); empty when nothing is. */
function violations(before: RunModel, after: RunModel, effects: Effect[], everUsed: ReadonlySet<string>): string[] {
  const wrong: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) wrong.push(what);
  };
  check(!isFinal(before.state) || after.state === before.state, 'a final state changed');
  if (after.state === 'Ready') {
    check(staysReady(after), 'Ready although keepRunning says leave');
    check(after.scale === undefined, 'Ready with a scale action');
    check(!after.instances.some((i) => i.scaleState === 'adding' || i.scaleState === 'removing'), 'Ready with a scale left half-done');
  }
  if (['Provisioning', 'Executing', 'SendingReports'].includes(after.state)) {
    const passed = activeInstances(after).every((i) => i.completedEpoch === after.epoch && i.completedState === after.state);
    check(!passed, 'sitting on a passed barrier');
  }
  const trail = states(effects);
  check(after.state === before.state ? trail.length === 0 : trail.at(-1) === after.state, 'ss:state does not follow the state');
  const finished = kinds(effects).filter((t) => t === 'finished').length;
  check(finished === (isFinal(after.state) && !isFinal(before.state) ? 1 : 0), '`finished` not exactly on entering a final state');
  if (isFinal(after.state)) check(!after.instances.some((i) => i.vm === 'pending' || i.vm === 'running'), 'final with a VM left');
  check(after.epoch >= before.epoch, 'epoch went down');
  const names = after.instances.map((i) => i.name);
  check(new Set(names).size === names.length, 'duplicate instance name');
  check(!names.slice(before.instances.length).some((n) => everUsed.has(n)), 'instance id reused');
  for (const node of after.nodes) {
    const published = param(effects, `${node.name}:ids`);
    check(published === undefined || published === nodeParameters(after, node.name).ids, `${node.name}:ids published stale`);
  }
  return wrong;
}

describe('invariants over random input sequences', () => {
  it('hold after every transition', () => {
    let steps = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = prng(seed);
      let run = buildRun({
        nodes: { web: seed % 3, db: 1 },
        keepRunning: (['never', 'always', 'on-success', 'on-error'] as const)[seed % 4],
        scalable: seed % 5 < 2,
        timeoutMinutes: 30,
        maxProvisioningFailures: { web: seed % 2, db: 0 },
      });
      let now = T0;
      const everUsed = new Set(run.instances.map((i) => i.name));
      const destroyRequested = new Set<string>();
      for (let k = 0, finalSteps = 0; k < 120 && finalSteps < 3; k++, steps++) {
        if (isFinal(run.state)) finalSteps++;
        now = new Date(now.getTime() + Math.floor(rnd() * (rnd() < 0.9 ? 3 : 40)) * 60_000);
        const input = randomInput(run, rnd, destroyRequested);
        // Deep-frozen: a mutation of the input throws (the snapshot comparison is in `step`).
        const { run: next, effects } = transition(deepFreeze(run), input, now);
        const wrong = violations(run, next, effects, everUsed);
        if (wrong.length > 0) {
          expect.fail(`seed ${seed} step ${k}: ${JSON.stringify(input)} in ${run.state}: ${wrong.join('; ')}`);
        }
        for (const i of next.instances) everUsed.add(i.name);
        for (const names of destroyed(effects)) for (const n of names) destroyRequested.add(n);
        run = next;
      }
    }
    expect(steps).toBeGreaterThan(5_000);
  });
});

// ---------------------------------------------------------------------------
// Purity
// ---------------------------------------------------------------------------

describe('purity', () => {
  it('never mutates the input run, on any input', () => {
    const inputs: RunInput[] = [
      { type: 'launch' },
      { type: 'vm-running', instance: 'web.1' },
      { type: 'provisioning-failed', instance: 'web.1', message: 'x' },
      { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 },
      { type: 'abort', message: 'x', actor: 'user:op' },
      { type: 'cancel-abort', actor: 'user:op' },
      { type: 'terminate', actor: 'user:op' },
      { type: 'tick' },
      { type: 'vms-destroyed', instances: ['web.1', 'web.2'] },
      { type: 'instance-lost', instance: 'web.2', message: 'x' },
      { type: 'scale-add', node: 'web', count: 2, cloud: 'local', actor: 'user:op' },
      { type: 'scale-remove', instances: ['web.1'], actor: 'user:op' },
    ];
    for (const state of ['Initializing', 'Executing', 'SendingReports', 'Ready', 'Finalizing'] as const) {
      for (const input of inputs) {
        for (const abortMessage of [undefined, 'x']) {
          // deep-frozen: a write throws; `step` also compares with a snapshot (Dates can't be frozen).
          const run = buildRun({ state, scalable: true, completed: ['web.2'], ...(abortMessage ? { abortMessage } : {}) });
          const { run: next } = step(run, input, at(1_000));
          expect(next).not.toBe(run);
          expect(next.instances).not.toBe(run.instances);
          expect(next.nodes).not.toBe(run.nodes);
        }
      }
    }
  });

  it('returns fresh Dates that do not alias the input', () => {
    const run = buildRun();
    const { run: next } = step(run, { type: 'tick' }, at(1));
    expect(next.stateChangedAt).not.toBe(run.stateChangedAt);
    expect(next.stateChangedAt).toEqual(run.stateChangedAt);
  });
});
