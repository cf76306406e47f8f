import { describe, expect, it } from 'vitest';
import { buildRun, destroyed, events, kinds, Sim, states } from '../../../test/helpers/test-run-builder.js';
import type { RunModel } from './types.js';

/** An image build run (ImageService) of one instance, as BuildImage launches it. */
function imageBuild(): Sim {
  const run: RunModel = { ...buildRun({ nodes: { machine: 1 }, keepRunning: 'never' }), kind: 'image_build' };
  const sim = new Sim(run);
  sim.send({ type: 'launch' });
  sim.running();
  return sim;
}

/** Drives the build through its three barriers; returns the effects of the last completion. */
function toReady(sim: Sim): ReturnType<Sim['complete']> {
  sim.complete();
  sim.complete();
  return sim.complete();
}

describe('image build runs', () => {
  it('wait in Ready with a snapshot effect instead of finalizing (keepRunning never)', () => {
    const sim = imageBuild();
    const effects = toReady(sim);
    expect(sim.run.state).toBe('Ready');
    expect(kinds(effects)).toContain('snapshot');
    expect(destroyed(effects)).toEqual([]);
    // Nothing else moves it on: another tick or a repeated completion leaves it waiting.
    expect(kinds(sim.send({ type: 'tick' }))).not.toContain('destroy');
    expect(sim.run.state).toBe('Ready');
  });

  it('end Done once the image is built, destroying the VM', () => {
    const sim = imageBuild();
    toReady(sim);
    const effects = sim.send({ type: 'image-built', imageId: 'ami-123' });
    expect(events(effects)).toContainEqual({ eventType: 'image', actor: 'controller', message: 'image ami-123 is available' });
    expect(destroyed(effects)).toEqual([['machine.1']]);
    sim.send({ type: 'vms-destroyed', instances: ['machine.1'] });
    expect(sim.run.state).toBe('Done');
  });

  it('end Aborted when the snapshot fails (the abort the controller raises)', () => {
    const sim = imageBuild();
    toReady(sim);
    const effects = sim.send({ type: 'abort', message: 'image ami-1 failed: boom', actor: 'controller' });
    expect(destroyed(effects)).toEqual([['machine.1']]);
    sim.send({ type: 'vms-destroyed', instances: ['machine.1'] });
    expect(sim.run.state).toBe('Aborted');
    // A late image-built changes nothing.
    expect(sim.send({ type: 'image-built', imageId: 'ami-1' })).toEqual([]);
  });

  it('never snapshot after a failed recipe: the drain ends Aborted', () => {
    const sim = imageBuild();
    sim.complete(); // Provisioning
    sim.send({ type: 'abort', message: 'machine.1: preinstall exited 1', actor: 'agent:machine.1' });
    sim.complete(); // Executing
    const effects = sim.complete(); // SendingReports
    expect(kinds(effects)).not.toContain('snapshot');
    expect(states(effects)).toEqual(['Ready', 'Finalizing']);
  });

  it('are Cancelled, not Done, when terminated while the snapshot is made', () => {
    const sim = imageBuild();
    toReady(sim);
    sim.send({ type: 'terminate', actor: 'user:alice' });
    sim.send({ type: 'vms-destroyed', instances: ['machine.1'] });
    expect(sim.run.state).toBe('Cancelled');
  });

  it('ignore image-built in a deployment', () => {
    const sim = new Sim(buildRun({ nodes: { web: 1 }, state: 'Ready' }));
    expect(sim.send({ type: 'image-built', imageId: 'ami-1' })).toEqual([]);
    expect(sim.run.state).toBe('Ready');
  });
});
