import { describe, expect, it } from 'vitest';

import {
  at,
  buildRun,
  completeParam,
  destroyed,
  entered,
  events,
  kinds,
  launched,
  param,
  ready,
  Sim,
  states,
  step,
  T0,
} from '../../../test/helpers/test-run-builder.js';
import type { RunInput } from './types.js';
import type { KeepRunning, RunState } from '../../../common/runs/states.js';

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
