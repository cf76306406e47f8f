/**
 * How a run moves on: through its barriers, into Ready and out of it, into
 * Finalizing on an abort or a failure budget spent. Each step writes into the
 * Draft the state machine is applying its inputs to.
 */
import type { Actor, EventType, RunModel } from './types.js';
import { BARRIER_STATES, isFinal, type FinalState, type RunState } from '../../../common/runs/states.js';
import { instancesWithVm } from './instance-lookups.js';
import type { Draft } from './run-draft.js';

const NEXT_STATE: Partial<Record<RunState, RunState>> = {
  Provisioning: 'Executing',
  Executing: 'SendingReports',
  SendingReports: 'Ready',
};

function shouldStayReady(run: RunModel): boolean {
  const aborted = run.abortMessage !== undefined;
  // An image build waits in Ready for its snapshot (then image-built ends it), unless aborted.
  if (run.kind === 'image_build') return !aborted;
  return (
    run.scalable ||
    run.keepRunning === 'always' ||
    (run.keepRunning === 'on-success' && !aborted) ||
    (run.keepRunning === 'on-error' && aborted)
  );
}

export function finalize(d: Draft, finalState: FinalState, actor: Actor = 'controller'): void {
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
export function removeScaledInstances(d: Draft): void {
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

export function enterReady(d: Draft): void {
  d.enter('Ready');
  finishScale(d);
  if (d.run.kind === 'image_build' && d.run.abortMessage === undefined) d.effects.push({ type: 'snapshot' });
  leaveReadyIfDue(d);
}

export function leaveReadyIfDue(d: Draft): void {
  if (d.run.state !== 'Ready' || shouldStayReady(d.run)) return;
  finalize(d, d.run.abortMessage === undefined ? 'Done' : 'Aborted');
}

/** Advances through every barrier that has passed. */
export function advance(d: Draft): void {
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

export function abort(d: Draft, message: string, actor: Actor): void {
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

export function provisioningFailed(d: Draft, name: string, message: string, eventType: EventType): void {
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
