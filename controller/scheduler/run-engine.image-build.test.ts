/**
 * The engine's part in image builds: a run taken over (a restart, a
 * failover) that waits in Ready for its snapshot has the snapshot resumed;
 * stopping the engine ends the snapshots' waits instead of waiting them out.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { NO_REMOTE, ownsEveryRun } from '../../test/helpers/ownership.js';
import { buildRun } from '../../test/helpers/test-run-builder.js';
import type { RunModel } from '../domain/runs/types.js';
import type { Store } from '../store/store.js';
import { AgentHub } from './agent-hub.js';
import { RunBus } from './run-bus.js';
import { RunEngine } from './run-engine.js';

/** An engine over stored runs (read-only), recording the snapshot effects it starts. */
function engineOver(models: Record<string, RunModel>) {
  const snapshots: string[] = [];
  let stopped = 0;
  const repos = {
    runs: {
      load: (id: string) => Promise.resolve(models[id] && { model: models[id], row: { plan: JSON.stringify({ nodes: [] }), sshKeys: '[]' } }),
      plan: (row: { plan: string }) => JSON.parse(row.plan) as unknown,
    },
    parameters: { allValues: () => Promise.resolve(new Map()) },
  };
  const store = { read: (work: (r: typeof repos) => Promise<unknown>) => work(repos) } as unknown as Store;
  const effects = () => ({
    provision: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
    snapshot: (runId: string) => {
      snapshots.push(runId);
      return Promise.resolve();
    },
    stop: () => {
      stopped += 1;
    },
  });
  const engine = new RunEngine({ store, bus: new RunBus(), hub: new AgentHub(), log: pino({ level: 'silent' }), effects, ownership: ownsEveryRun(), remote: NO_REMOTE });
  return { engine, snapshots, stopped: () => stopped };
}

describe('RunEngine and image builds', () => {
  it('resumes the snapshot of a build waiting in Ready, not of an aborted build or a deployment', async () => {
    const ready = buildRun({ nodes: { machine: 1 }, state: 'Ready', keepRunning: 'never' });
    const { engine, snapshots } = engineOver({
      waiting: { ...ready, kind: 'image_build' },
      aborted: { ...buildRun({ nodes: { machine: 1 }, state: 'Ready', keepRunning: 'never', abortMessage: 'image failed' }), kind: 'image_build' },
      deployment: buildRun({ nodes: { machine: 1 }, state: 'Ready' }),
      executing: { ...buildRun({ nodes: { machine: 1 }, state: 'Executing', keepRunning: 'never' }), kind: 'image_build' },
    });
    await engine.resume(['waiting', 'aborted', 'deployment', 'executing']);
    expect(snapshots).toEqual(['waiting']);
  });

  it('ends the snapshots’ waits when it stops', async () => {
    const { engine, stopped } = engineOver({});
    await engine.stop();
    expect(stopped()).toBe(1);
  });
});
