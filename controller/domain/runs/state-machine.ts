/**
 * The run state machine (domain.md "Runs"): a pure function from the current
 * run and one input to the next run and the effects the engine must apply.
 * No I/O, no clock: `now` is an argument.
 */
import type { Effect, RunInput, RunModel, Transition } from './types.js';
import { BARRIER_STATES, isFinal } from '../../../common/runs/states.js';
import { activeInstances, instancesWithVm, positions } from './instance-lookups.js';
import { Draft } from './run-draft.js';
import { abort, advance, enterReady, finalize, leaveReadyIfDue, provisioningFailed, removeScaledInstances } from './run-progress.js';
import { sameModel } from './same-model.js';

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
      // An image build terminated before its image is available made no image: Cancelled, never Done.
      if (run.state === 'Ready' && run.kind !== 'image_build') finalize(d, run.abortMessage === undefined ? 'Done' : 'Aborted', input.actor);
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
    case 'image-built':
      if (run.kind !== 'image_build' || run.state !== 'Ready' || run.abortMessage !== undefined) break;
      d.event('image', 'controller', `image ${input.imageId} is available`);
      finalize(d, 'Done');
      break;
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
