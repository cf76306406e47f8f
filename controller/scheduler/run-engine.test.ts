/**
 * Inputs that decide nothing write nothing: after a controller restart every
 * agent sends its last completion again, and a run of thousands must not pay
 * a transaction for each batch of them, nor wait behind the batches in
 * flight for a completion the run already holds or one of Ready, which it
 * never counts.
 */
import { NO_REMOTE, ownsEveryRun } from '../../test/helpers/ownership.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildRun } from '../../test/helpers/test-run-builder.js';
import type { RunModel } from '../domain/runs/types.js';
import type { Store } from '../store/store.js';
import { AgentHub } from './agent-hub.js';
import { RunBus } from './run-bus.js';
import { RunEngine } from './run-engine.js';

/** An engine over one run whose writes count and fail (or, with `hang`, never finish). */
function engineOver(model: RunModel, hang = false): { engine: RunEngine; writes: () => number } {
  let writes = 0;
  const write = () => {
    writes++;
    return hang ? new Promise<never>(() => undefined) : Promise.reject(new Error('this test expects no write'));
  };
  const repos = {
    runs: {
      load: () => Promise.resolve({ model, row: { plan: JSON.stringify({ nodes: [] }), sshKeys: '[]' } }),
      plan: (row: { plan: string }) => JSON.parse(row.plan) as unknown,
    },
    parameters: { allValues: () => Promise.resolve(new Map()) },
  };
  const store = {
    read: (work: (r: typeof repos) => Promise<unknown>) => work(repos),
    write,
    writeStatement: write,
  } as unknown as Store;
  const effects = () => ({ provision: () => Promise.resolve(), destroy: () => Promise.resolve() });
  return { engine: new RunEngine({ store, bus: new RunBus(), hub: new AgentHub(), log: pino({ level: 'silent' }), effects, ownership: ownsEveryRun(), remote: NO_REMOTE }), writes: () => writes };
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

  it.each([
    ['one the run already holds', 'Executing'],
    ['one of a state without a barrier (Ready)', 'Ready'],
  ] as const)('answers a completion at once, without a commit and not behind a batch still writing: %s', async (_, state) => {
    const run = buildRun({ state: 'Executing', completed: ['web.2'] });
    const { engine, writes } = engineOver(run, true);
    // A new completion: its batch loads the run, then writes for as long as the test runs.
    void engine.dispatch('run-1', { type: 'state-completed', instance: 'web.1', state: 'Executing', epoch: 0 });
    await expect.poll(writes, { timeout: 5_000 }).toBe(1);
    const again = engine.dispatch('run-1', { type: 'state-completed', instance: 'web.2', state, epoch: 0 });
    const waiting = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000).unref());
    await expect(Promise.race([again, waiting])).resolves.toBe(run);
    expect(writes()).toBe(1);
  });
});
