import { describe, expect, it } from 'vitest';

import { activeInstances, nodeParameters } from './instance-lookups.js';
import { transition, transitionAll } from './state-machine.js';
import { isFinal } from '../../../common/runs/states.js';
import { at, buildRun, deepFreeze, destroyed, kinds, param, states, step, T0 } from '../../../test/helpers/test-run-builder.js';
import type { Effect, RunInput, RunModel } from './types.js';

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
          const { run: next, effects } = step(run, input, at(1_000));
          // An input that decides nothing returns the run itself; any other returns a copy. The copy shares the
          // instance list only when it changed no instance (copy on write; the frozen input proves nothing wrote to it).
          if (next === run) {
            expect(effects).toEqual([]);
            continue;
          }
          expect(next.nodes).not.toBe(run.nodes);
        }
      }
    }
  });

  it('returns fresh Dates that do not alias the input', () => {
    const run = buildRun({ state: 'Executing' });
    const { run: next } = step(run, { type: 'cancel-abort', actor: 'user:op' }, at(1));
    expect(next).toBe(run);
    const { run: aborted } = step(run, { type: 'abort', message: 'x', actor: 'user:op' }, at(1));
    expect(aborted).not.toBe(run);
    expect(aborted.stateChangedAt).not.toBe(run.stateChangedAt);
    expect(aborted.stateChangedAt).toEqual(run.stateChangedAt);
  });

  it('returns the run itself when the inputs decided nothing, and a copy when one of them decided something', () => {
    const run = buildRun({ state: 'Executing', completed: ['web.2'] });
    // A completion sent again, a tick inside the timeout, a completion of another state.
    const repeats: RunInput[] = [
      { type: 'state-completed', instance: 'web.2', state: 'Executing', epoch: 0 },
      { type: 'tick' },
      { type: 'state-completed', instance: 'web.1', state: 'Provisioning', epoch: 0 },
    ];
    const same = transitionAll(run, repeats, at(1));
    expect(same.run).toBe(run);
    expect(same.effects).toEqual([[], [], []]);
    const changed = transitionAll(run, [...repeats, { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 }], at(1));
    expect(changed.run).not.toBe(run);
    expect(changed.run.instances.find((i) => i.name === 'web.1')?.completedState).toBe('Executing');
  });
});
