/**
 * The run state machine (domain.md "Runs"): a pure function from the current
 * run and one input to the next run and the effects the engine must apply.
 * No I/O, no clock: `now` is an argument.
 */
import { type Actor, type Effect, type EventType, type RunInput, type RunInstance, type RunModel, type Transition } from './types.js';
import { BARRIER_STATES, isFinal, type FinalState, type RunState } from '../../../common/runs/states.js';
import { sameModel } from './same-model.js';

const NEXT_STATE: Partial<Record<RunState, RunState>> = {
  Provisioning: 'Executing',
  Executing: 'SendingReports',
  SendingReports: 'Ready',
};

/** Instances the barrier waits for: not failed, not terminated, not scaled away. */
export function activeInstances(run: RunModel): RunInstance[] {
  return run.instances.filter(isActive);
}

/** The instance counts for the barrier: not failed, not terminated, not scaled away. */
export function isActive(instance: RunInstance): boolean {
  return instance.vm !== 'failed' && instance.vm !== 'terminated' && instance.scaleState !== 'removed';
}

/**
 * Where each instance sits in an instance list, by name. A transition copies
 * the list in the same order and only ever appends to it, so the index of a
 * list serves its successor until an instance is added: the index is built
 * once per instance count, not once per batch or per lookup.
 */
const positionsOf = new WeakMap<readonly RunInstance[], Map<string, number>>();

function positions(instances: readonly RunInstance[], previous?: Map<string, number>): Map<string, number> {
  let index = positionsOf.get(instances) ?? previous;
  if (!index || index.size !== instances.length) index = new Map(instances.map((i, at) => [i.name, at]));
  positionsOf.set(instances, index);
  return index;
}

/** The instance with this name, found through the index (a welcome per agent must not scan 10,000 instances). */
export function instanceNamed(run: RunModel, name: string): RunInstance | undefined {
  const at = positions(run.instances).get(name);
  return at === undefined ? undefined : run.instances[at];
}

/** Instances that have, or may still get, a VM to destroy. */
function instancesWithVm(run: RunModel): RunInstance[] {
  return run.instances.filter((i) => i.vm === 'pending' || i.vm === 'running');
}

/** The node-level parameters `node:multiplicity` and `node:ids` as they are now. */
export function nodeParameters(run: RunModel, node: string): { multiplicity: string; ids: string } {
  const ids = activeInstances(run)
    .filter((i) => i.node === node)
    .map((i) => i.index)
    .sort((a, b) => a - b);
  return { multiplicity: String(ids.length), ids: ids.join(',') };
}

/**
 * What an instance that existed before the current scale action runs in the
 * current state instead of its phase; undefined when it runs its phase
 * normally (no scale action, or the instance is one being added).
 */
export function scaleHookFor(run: RunModel, instance: string): string | undefined {
  const scale = run.scale;
  if (!scale) return undefined;
  const involved = scale.instances.includes(instance);
  if (scale.action === 'add') {
    if (involved) return undefined;
    return { Provisioning: '', Executing: 'onVmAdd', SendingReports: 'postScale' }[run.state as string] ?? '';
  }
  if (involved) return run.state === 'Provisioning' ? 'preScale' : '';
  return { Provisioning: '', Executing: 'onVmRemove', SendingReports: 'postScale' }[run.state as string] ?? '';
}

/**
 * A run being changed by a batch of inputs. Copy on write: the run is copied
 * once, its instance list on the first change to an instance, an instance
 * only when `instance` hands it out (a batch of completions in a run of
 * 10,000 copies the few it touches; a batch of repeated completions copies
 * nothing), so the model it started from stays as it was.
 */
class Draft {
  effects: Effect[] = [];
  private readonly copied = new Set<RunInstance>();
  private ownsInstances = false;
  private barrierCursor: { state: RunState; epoch: number; count: number; passed: number } | undefined;

  constructor(
    readonly run: RunModel,
    readonly now: Date,
    private index: Map<string, number>,
  ) {}

  /** Hands the index on to the run this draft became, for the next transition. */
  keepIndex(): void {
    positions(this.run.instances, this.index);
  }

  event(eventType: EventType, actor: Actor, message: string): void {
    this.effects.push({ type: 'event', eventType, actor, message });
  }

  set(key: string, value: string): void {
    this.effects.push({ type: 'set-parameter', key, value });
  }

  /** Where the instance sits; the index follows the list when instances are added. */
  private position(name: string): number | undefined {
    if (this.index.size !== this.run.instances.length) this.index = positions(this.run.instances, this.index);
    return this.index.get(name);
  }

  /** The instance, read-only: looking does not copy it. */
  peek(name: string): Readonly<RunInstance> | undefined {
    const at = this.position(name);
    return at === undefined ? undefined : this.run.instances[at];
  }

  /** The instance, writable (the only way to change one). */
  instance(name: string): RunInstance | undefined {
    const at = this.position(name);
    if (at === undefined) return undefined;
    let instance = this.run.instances[at]!;
    if (!this.copied.has(instance)) {
      instance = { ...instance };
      this.writableInstances()[at] = instance;
      this.copied.add(instance);
    }
    return instance;
  }

  /** Appends a new instance (the only way to add one). */
  addInstance(instance: RunInstance): void {
    this.writableInstances().push(instance);
    this.copied.add(instance);
  }

  private writableInstances(): RunInstance[] {
    if (!this.ownsInstances) {
      this.run.instances = [...this.run.instances];
      this.ownsInstances = true;
    }
    return this.run.instances;
  }

  enter(state: RunState, actor: Actor = 'controller'): void {
    const from = this.run.state;
    this.run.state = state;
    this.run.stateChangedAt = this.now;
    this.event('state', actor, `${from} -> ${state}`);
    this.set('ss:state', state);
    if (isFinal(state)) this.effects.push({ type: 'finished' });
    else this.effects.push({ type: 'push-state' });
  }

  publishNodeParameters(node: string): void {
    const { multiplicity, ids } = nodeParameters(this.run, node);
    this.set(`${node}:multiplicity`, multiplicity);
    this.set(`${node}:ids`, ids);
  }

  /**
   * Every active instance has completed the current (epoch, state). Within
   * one (state, epoch, instance count) an instance that passed stays passed
   * (completions are only recorded for the current state and epoch, and an
   * instance only ever stops being active), so the scan resumes where the
   * last one stopped: a batch of thousands of completions checks each
   * instance once, not once per completion.
   */
  barrierPassed(): boolean {
    const { state, epoch, instances } = this.run;
    const cursor = this.barrierCursor;
    if (!cursor || cursor.state !== state || cursor.epoch !== epoch || cursor.count !== instances.length) {
      this.barrierCursor = { state, epoch, count: instances.length, passed: 0 };
    }
    const scan = this.barrierCursor!;
    while (scan.passed < instances.length && passesBarrier(instances[scan.passed]!, state, epoch)) scan.passed++;
    return scan.passed === instances.length;
  }
}

function passesBarrier(instance: RunInstance, state: RunState, epoch: number): boolean {
  return !isActive(instance) || (instance.completedEpoch === epoch && instance.completedState === state);
}

function shouldStayReady(run: RunModel): boolean {
  const aborted = run.abortMessage !== undefined;
  return (
    run.scalable ||
    run.keepRunning === 'always' ||
    (run.keepRunning === 'on-success' && !aborted) ||
    (run.keepRunning === 'on-error' && aborted)
  );
}

function finalize(d: Draft, finalState: FinalState, actor: Actor = 'controller'): void {
  d.run.finalState = finalState;
  d.enter('Finalizing', actor);
  const toDestroy = instancesWithVm(d.run).map((i) => i.name);
  if (toDestroy.length > 0) d.effects.push({ type: 'destroy', instances: toDestroy });
  else d.enter(finalState);
}

function finishScale(d: Draft): void {
  const scale = d.run.scale;
  if (!scale) return;
  for (const name of scale.instances) {
    const instance = d.instance(name);
    if (instance && instance.scaleState === 'adding') instance.scaleState = '';
  }
  d.event('scale', 'controller', `scale ${scale.action} of ${scale.instances.join(', ')} done`);
  d.run.scale = undefined;
}

/** Leaves the SendingReports barrier: removes scaled-away instances. */
function removeScaledInstances(d: Draft): void {
  const scale = d.run.scale;
  if (scale?.action !== 'remove') return;
  const doomed = scale.instances.filter((n) => d.instance(n)?.scaleState === 'removing');
  for (const name of doomed) {
    d.instance(name)!.scaleState = 'removed';
    d.set(`${name}:scale.state`, 'removed');
  }
  if (doomed.length > 0) d.effects.push({ type: 'destroy', instances: doomed });
  d.publishNodeParameters(scale.node);
}

function enterReady(d: Draft): void {
  d.enter('Ready');
  finishScale(d);
  leaveReadyIfDue(d);
}

function leaveReadyIfDue(d: Draft): void {
  if (d.run.state !== 'Ready' || shouldStayReady(d.run)) return;
  finalize(d, d.run.abortMessage === undefined ? 'Done' : 'Aborted');
}

/** Advances through every barrier that has passed. */
function advance(d: Draft): void {
  while (BARRIER_STATES.includes(d.run.state) && d.barrierPassed()) {
    const next = NEXT_STATE[d.run.state]!;
    if (d.run.state === 'SendingReports') removeScaledInstances(d);
    if (next === 'Ready') {
      enterReady(d);
      return;
    }
    d.enter(next);
  }
}

function abort(d: Draft, message: string, actor: Actor): void {
  const run = d.run;
  if (isFinal(run.state) || run.state === 'Finalizing' || run.abortMessage !== undefined) return;
  run.abortMessage = message;
  run.abortedAt = d.now;
  d.event('abort', actor, message);
  d.set('ss:abort', message);
  if (run.state === 'Initializing') {
    // Nothing was provisioned yet: there is nothing to drain.
    for (const { name, vm } of run.instances) if (vm === 'pending') d.instance(name)!.vm = 'terminated';
    finalize(d, 'Aborted', actor);
  } else if (run.state === 'Provisioning') {
    // Recovery mode: the agents' barrier no longer decides; the controller
    // moves straight on to collecting reports from whoever is up.
    run.recoveryMode = true;
    d.enter('SendingReports');
    advance(d);
  } else if (run.state === 'Ready') {
    d.effects.push({ type: 'push-state' });
    leaveReadyIfDue(d);
  } else {
    d.effects.push({ type: 'push-state' });
  }
}

function provisioningFailed(d: Draft, name: string, message: string, eventType: EventType): void {
  const instance = d.instance(name);
  if (!instance || instance.vm === 'failed' || instance.vm === 'terminated') return;
  instance.vm = 'failed';
  d.set(`${name}:vmstate`, 'failed');
  d.event(eventType, 'controller', `${name}: ${message}`);
  d.publishNodeParameters(instance.node);
  if (eventType === 'instance-lost') {
    abort(d, `instance ${name} was lost: ${message}`, 'controller');
    return;
  }
  const node = d.run.nodes.find((n) => n.name === instance.node);
  const failures = d.run.instances.filter((i) => i.node === instance.node && i.vm === 'failed').length;
  if (node && failures > node.maxProvisioningFailures) {
    abort(
      d,
      `node ${node.name}: ${failures} provisioning failure(s), more than maxProvisioningFailures ${node.maxProvisioningFailures}; last: ${name}: ${message}`,
      'controller',
    );
  }
}

/** Applies one input. Inputs that do not apply to the run's state change nothing. */
export function transition(current: RunModel, input: RunInput, now: Date): Transition {
  const { run, effects } = transitionAll(current, [input], now);
  return { run, effects: effects[0]! };
}

/**
 * Applies several inputs in order, as many `transition` calls would, but
 * copying the run once (the engine's group commit applies every input that
 * arrived while the previous batch was committing). Effects are per input.
 * When the inputs decided nothing (no effect, no change), `run` is `current`
 * itself: there is nothing to write.
 */
export function transitionAll(current: RunModel, inputs: readonly RunInput[], now: Date): { run: RunModel; effects: Effect[][] } {
  const run: RunModel = {
    ...current,
    stateChangedAt: new Date(current.stateChangedAt),
    abortedAt: current.abortedAt && new Date(current.abortedAt),
    nodes: structuredClone(current.nodes),
    scale: structuredClone(current.scale),
  };
  const d = new Draft(run, now, positions(current.instances));
  const effects: Effect[][] = [];
  for (const input of inputs) {
    d.effects = [];
    applyInput(d, input);
    effects.push(d.effects);
  }
  const decidedNothing = effects.every((e) => e.length === 0) && sameModel(current, d.run);
  if (decidedNothing) return { run: current, effects };
  d.keepIndex();
  return { run: d.run, effects };
}

function applyInput(d: Draft, input: RunInput): void {
  const run = d.run;
  switch (input.type) {
    case 'launch': {
      if (run.state !== 'Initializing') break;
      d.enter('Provisioning');
      for (const node of run.nodes) d.publishNodeParameters(node.name);
      const pending = run.instances.filter((i) => i.vm === 'pending').map((i) => i.name);
      if (pending.length > 0) d.effects.push({ type: 'provision', instances: pending });
      advance(d);
      break;
    }
    case 'vm-running': {
      const instance = d.instance(input.instance);
      if (instance?.vm === 'pending') {
        instance.vm = 'running';
        d.set(`${instance.name}:vmstate`, 'running');
        // The cloud's facts, not the VM's: peers read them through mappings (`db:ip`).
        if (input.vmId) d.set(`${instance.name}:instanceid`, input.vmId);
        if (input.ip) d.set(`${instance.name}:ip`, input.ip);
      }
      break;
    }
    case 'provisioning-failed':
      if (isFinal(run.state) || run.state === 'Initializing') break;
      provisioningFailed(d, input.instance, input.message, 'provisioning-failure');
      advance(d);
      break;
    case 'instance-lost':
      if (isFinal(run.state) || run.state === 'Finalizing' || run.state === 'Initializing') break;
      provisioningFailed(d, input.instance, input.message, 'instance-lost');
      advance(d);
      break;
    case 'state-completed': {
      // A completion sent again (every agent does so when it reconnects) changes nothing and copies nothing.
      const seen = d.peek(input.instance);
      if (!seen || input.epoch !== run.epoch || input.state !== run.state || !BARRIER_STATES.includes(run.state)) break;
      if (seen.completedEpoch === input.epoch && seen.completedState === input.state) break;
      const instance = d.instance(input.instance)!;
      instance.completedEpoch = input.epoch;
      instance.completedState = input.state;
      d.set(`${instance.name}:complete`, `${input.state}@${input.epoch}`);
      advance(d);
      break;
    }
    case 'abort':
      abort(d, input.message, input.actor);
      break;
    case 'cancel-abort':
      if (run.abortMessage === undefined || isFinal(run.state) || run.state === 'Finalizing') break;
      run.abortMessage = undefined;
      run.abortedAt = undefined;
      run.recoveryMode = false;
      d.event('abort-cancelled', input.actor, 'abort flag cleared');
      d.set('ss:abort', '');
      d.effects.push({ type: 'push-state' });
      // Ready's keepRunning rule depends on the flag (on-error): re-apply it, as abort does.
      leaveReadyIfDue(d);
      break;
    case 'terminate':
      if (isFinal(run.state) || run.state === 'Finalizing') break;
      d.event('terminate', input.actor, `terminate requested in ${run.state}`);
      if (run.state === 'Ready') finalize(d, run.abortMessage === undefined ? 'Done' : 'Aborted', input.actor);
      else finalize(d, 'Cancelled', input.actor);
      break;
    case 'tick': {
      if (!BARRIER_STATES.includes(run.state) && run.state !== 'Initializing') break;
      const limitMs = run.timeoutMinutes * 60_000;
      if (run.abortMessage === undefined) {
        if (d.now.getTime() - run.stateChangedAt.getTime() < limitMs) break;
        d.event('timeout', 'controller', `run timed out: ${run.state} for more than ${run.timeoutMinutes} minute(s)`);
        abort(d, `run timed out in ${run.state} after ${run.timeoutMinutes} minute(s)`, 'controller');
      } else if (run.abortedAt && d.now.getTime() - run.abortedAt.getTime() >= limitMs) {
        // The drain itself is stuck (agents gone): stop waiting for them.
        const waiting = activeInstances(run).filter((i) => !(i.completedEpoch === run.epoch && i.completedState === run.state));
        d.event('timeout', 'controller', `drain timed out in ${run.state}; not waiting for ${waiting.map((i) => i.name).join(', ')}`);
        // Skipping the rest of the drain must not skip the scale-down: the
        // instances being removed are still destroyed and leave node:ids.
        removeScaledInstances(d);
        enterReady(d);
      }
      break;
    }
    case 'vms-destroyed': {
      for (const name of input.instances) {
        const instance = d.instance(name);
        if (instance && instance.vm !== 'terminated') {
          instance.vm = 'terminated';
          d.set(`${name}:vmstate`, 'terminated');
        }
      }
      if (run.state === 'Finalizing' && instancesWithVm(run).length === 0) d.enter(run.finalState ?? 'Done');
      break;
    }
    case 'scale-add': {
      // Not while aborted: the drain clock (abortedAt) would cut the new cycle short.
      if (run.state !== 'Ready' || run.scale || run.abortMessage !== undefined) break;
      const node = run.nodes.find((n) => n.name === input.node);
      if (!node || input.count < 1) break;
      const added: string[] = [];
      for (let k = 0; k < input.count; k++) {
        const index = node.nextIndex++;
        const name = `${node.name}.${index}`;
        d.addInstance({
          name,
          node: node.name,
          index,
          cloud: input.cloud,
          vm: 'pending',
          completedEpoch: run.epoch + 1,
          completedState: undefined,
          scaleState: 'adding',
        });
        added.push(name);
      }
      run.epoch += 1;
      run.scale = { action: 'add', node: node.name, instances: added };
      d.event('scale', input.actor, `adding ${added.join(', ')}`);
      d.enter('Provisioning', input.actor);
      d.publishNodeParameters(node.name);
      d.effects.push({ type: 'provision', instances: added });
      break;
    }
    case 'scale-remove': {
      if (run.state !== 'Ready' || run.scale || run.abortMessage !== undefined || input.instances.length === 0) break;
      const names = [...new Set(input.instances)];
      const targets = names.map((n) => d.instance(n));
      if (targets.some((t) => !t || !activeInstances(run).includes(t))) break;
      const node = targets[0]!.node;
      if (targets.some((t) => t!.node !== node)) break;
      for (const t of targets) {
        t!.scaleState = 'removing';
        d.set(`${t!.name}:scale.state`, 'removing');
      }
      run.epoch += 1;
      run.scale = { action: 'remove', node, instances: names };
      d.event('scale', input.actor, `removing ${names.join(', ')}`);
      d.enter('Provisioning', input.actor);
      break;
    }
  }
}
