/**
 * transitionAll (the engine's group commit) must decide exactly what the
 * same inputs applied one `transition` at a time decide: same final run,
 * same effects per input, and the input run untouched.
 */
import { describe, expect, it } from 'vitest';
import { transition, transitionAll } from './state-machine.js';
import { T0, buildRun } from '../../../test/helpers/test-run-builder.js';
import type { Effect, RunInput, RunModel } from './types.js';

function oneByOne(run: RunModel, inputs: RunInput[]): { run: RunModel; effects: Effect[][] } {
  const effects: Effect[][] = [];
  for (const input of inputs) {
    const next = transition(run, input, T0);
    effects.push(next.effects);
    run = next.run;
  }
  return { run, effects };
}

describe('transitionAll', () => {
  it('equals sequential transitions through a whole deployment of 50 instances, completions in a shuffled order', () => {
    const start = buildRun({ nodes: { web: 30, db: 20 } });
    const names = start.instances.map((i) => i.name);
    const shuffled = (seed: number) => [...names].sort((a, b) => ((a.length * 31 + seed * (a.charCodeAt(a.length - 1) + b.length)) % 7) - 3 || a.localeCompare(b));
    const inputs: RunInput[] = [
      { type: 'launch' },
      ...names.map((instance): RunInput => ({ type: 'vm-running', instance, vmId: `vm-${instance}` })),
      ...shuffled(1).map((instance): RunInput => ({ type: 'state-completed', instance, state: 'Provisioning', epoch: 0 })),
      ...shuffled(2).map((instance): RunInput => ({ type: 'state-completed', instance, state: 'Executing', epoch: 0 })),
      { type: 'abort', message: 'stop', actor: 'user:ann' },
      ...shuffled(3).map((instance): RunInput => ({ type: 'state-completed', instance, state: 'SendingReports', epoch: 0 })),
    ];
    const frozen = structuredClone(start);
    const batched = transitionAll(start, inputs, T0);
    const sequential = oneByOne(start, inputs);
    expect(batched.run).toEqual(sequential.run);
    expect(batched.effects).toEqual(sequential.effects);
    expect(start).toEqual(frozen);
    expect(batched.run.state).not.toBe('Initializing');
  });

  // The barrier check resumes its scan within a batch: it must still see failures, additions and a first instance that completes last.
  it('equals sequential transitions when instances fail, a scale action adds some and the first instance completes last', () => {
    const start = buildRun({ nodes: { web: 6 }, maxProvisioningFailures: { web: 2 }, scalable: true, keepRunning: 'always' });
    const complete = (state: 'Provisioning' | 'Executing' | 'SendingReports', epoch: number, names: string[]) =>
      names.map((instance): RunInput => ({ type: 'state-completed', instance, state, epoch }));
    const firstLast = ['web.6', 'web.5', 'web.4', 'web.3', 'web.2', 'web.1'];
    const inputs: RunInput[] = [
      { type: 'launch' },
      ...firstLast.map((instance): RunInput => ({ type: 'vm-running', instance, vmId: `vm-${instance}` })),
      ...complete('Provisioning', 0, ['web.6', 'web.5', 'web.4']),
      { type: 'provisioning-failed', instance: 'web.2', message: 'lost' },
      ...complete('Provisioning', 0, ['web.3', 'web.1']),
      ...complete('Executing', 0, ['web.6', 'web.5', 'web.4', 'web.3']),
      { type: 'provisioning-failed', instance: 'web.1', message: 'lost too' },
      ...complete('SendingReports', 0, ['web.6', 'web.5', 'web.4', 'web.3']),
      { type: 'scale-add', node: 'web', count: 2, cloud: 'local', actor: 'user:op' },
      { type: 'vm-running', instance: 'web.7', vmId: 'vm-web.7' },
      { type: 'vm-running', instance: 'web.8', vmId: 'vm-web.8' },
      ...complete('Provisioning', 1, ['web.8', 'web.6', 'web.5', 'web.4', 'web.3']),
      ...complete('Provisioning', 1, ['web.7']),
    ];
    const batched = transitionAll(start, inputs, T0);
    const sequential = oneByOne(start, inputs);
    expect(batched.run).toEqual(sequential.run);
    expect(batched.effects).toEqual(sequential.effects);
    expect(batched.run).toMatchObject({ state: 'Executing', epoch: 1 });
  });

  it('gives each input its own effects (an ignored input has none)', () => {
    const run = buildRun({ nodes: { web: 1 }, state: 'Executing' });
    const { effects } = transitionAll(run, [{ type: 'state-completed', instance: 'web.9', state: 'Executing', epoch: 0 }, { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 }], T0);
    expect(effects[0]).toEqual([]);
    expect(effects[1]!.some((e) => e.type === 'push-state')).toBe(true);
  });
});
