/**
 * Inputs that decide nothing write nothing: after a controller restart every
 * agent sends its last completion again, and a run of thousands must not pay
 * a transaction for each batch of them.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildRun } from '../domain/runs/test-run-builder.js';
import type { RunModel } from '../domain/runs/types.js';
import type { Store } from '../store/store.js';
import { AgentHub } from './agent-hub.js';
import { RunBus } from './run-bus.js';
import { RunEngine } from './run-engine.js';

function engineOver(model: RunModel): { engine: RunEngine; writes: () => number } {
  let writes = 0;
  const repos = {
    runs: {
      load: () => Promise.resolve({ model, row: { plan: JSON.stringify({ nodes: [] }), sshKeys: '[]' } }),
      allParameterValues: () => Promise.resolve(new Map()),
    },
  };
  const store = {
    read: (work: (r: typeof repos) => Promise<unknown>) => work(repos),
    write: () => {
      writes++;
      return Promise.reject(new Error('this test expects no write'));
    },
    writeStatement: () => {
      writes++;
      return Promise.reject(new Error('this test expects no write'));
    },
  } as unknown as Store;
  return { engine: new RunEngine(store, new RunBus(), new AgentHub(), pino({ level: 'silent' })), writes: () => writes };
}

describe('RunEngine', () => {
  it('commits nothing for completions sent again and a tick inside the timeout', async () => {
    // Entered its state just now: the tick finds it inside its timeout.
    const run = { ...buildRun({ state: 'Executing', completed: ['web.2'] }), stateChangedAt: new Date() };
    const { engine, writes } = engineOver(run);
    const results = await Promise.all([
      engine.dispatch('run-1', { type: 'state-completed', instance: 'web.2', state: 'Executing', epoch: 0 }),
      engine.dispatch('run-1', { type: 'state-completed', instance: 'web.1', state: 'Provisioning', epoch: 0 }),
      engine.dispatch('run-1', { type: 'tick' }),
    ]);
    expect(results.every((r) => r === run)).toBe(true);
    expect(writes()).toBe(0);
  });

  it('writes a completion that is new', async () => {
    const run = buildRun({ state: 'Executing', completed: ['web.2'] });
    const { engine, writes } = engineOver(run);
    await expect(engine.dispatch('run-1', { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 })).rejects.toThrow(/expects no write/);
    expect(writes()).toBe(1);
  });
});
