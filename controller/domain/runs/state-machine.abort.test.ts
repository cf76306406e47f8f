import { describe, expect, it } from 'vitest';

import {
  at,
  buildRun,
  destroyed,
  entered,
  events,
  kinds,
  launched,
  ready,
  type RunSpec,
  Sim,
  states,
  step,
} from '../../../test/helpers/test-run-builder.js';

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
