import { describe, expect, it } from 'vitest';

import { activeInstances, nodeParameters } from './instance-lookups.js';
import { at, buildRun, completeParam, destroyed, entered, events, param, params, ready, type Sim, step } from '../../../test/helpers/test-run-builder.js';
import type { RunState } from '../../../common/runs/states.js';

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
