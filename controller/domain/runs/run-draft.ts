/**
 * The state machine's working copy of a run while it applies a batch of
 * inputs, with the effects each input decides and the barrier check.
 */
import type { Actor, Effect, EventType, RunInstance, RunModel } from './types.js';
import { isFinal, type RunState } from '../../../common/runs/states.js';
import { isActive, nodeParameters, positions } from './instance-lookups.js';

/**
 * A run being changed by a batch of inputs. Copy on write: the run is copied
 * once, its instance list on the first change to an instance, an instance
 * only when `instance` hands it out (a batch of completions in a run of
 * 10,000 copies the few it touches; a batch of repeated completions copies
 * nothing), so the model it started from stays as it was.
 */
export class Draft {
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
    this.effects.push({ type: 'event', eventType: 'state', actor, message: `${from} -> ${state}`, change: { from, to: state } });
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
