/**
 * An agent's parameter set is always answered: stored, refused with the
 * reason, or, when the controller could not store it, an `unavailable`
 * error (unanswered, the agent would wait until its stream broke). The
 * welcome's heartbeat interval grows with the agents connected.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SessionRequest, SessionResponse } from '../../../proto/gen/slipstream/v1/agent.js';
import type { RunEngine } from '../../scheduler/run-engine.js';
import { AgentHub } from '../../scheduler/agent-hub.js';
import { RunBus } from '../../scheduler/run-bus.js';
import { AgentSession } from './agent-session.js';

class FakeCall extends EventEmitter {
  readonly written: SessionResponse[] = [];
  writable = true;
  write(message: SessionResponse): boolean {
    this.written.push(message);
    return true;
  }
  end(): void {
    this.writable = false;
  }
}

function sessionWith(setParameters: RunEngine['setParameters']): FakeCall {
  const call = new FakeCall();
  // A live run (a session of a finished or missing one is ended at start).
  const engine = { setParameters, snapshot: () => Promise.resolve({ model: { state: 'Executing' } }) } as unknown as RunEngine;
  const session = new AgentSession(
    call as never,
    { runId: 'run-1', tenantId: 't', instance: 'db.1', node: 'db', index: 1 },
    { engine, bus: new RunBus(), hub: new AgentHub(), log: pino({ level: 'silent' }) },
  );
  session.start();
  return call;
}

const set = (key: string): SessionRequest => ({ message: { $case: 'parameterSet', value: { requestId: 'r1', key, value: 'pg://db' } } });

async function ackOf(call: FakeCall): Promise<{ error: string; errorMessage: string }> {
  await expect.poll(() => call.written.some((m) => m.message?.$case === 'ack')).toBe(true);
  const ack = call.written.find((m) => m.message?.$case === 'ack')!.message;
  if (ack?.$case !== 'ack') throw new Error('no ack');
  return { error: ack.value.error, errorMessage: ack.value.errorMessage };
}

describe('AgentSession parameter set', () => {
  it('acknowledges a stored set', async () => {
    const call = sessionWith(() => Promise.resolve({ changes: [{ key: 'db.1:url', value: 'pg://db' }], unknown: [] }));
    call.emit('data', set('url'));
    expect(await ackOf(call)).toEqual({ error: '', errorMessage: '' });
  });

  it('names a key that is no parameter of the run', async () => {
    const call = sessionWith(() => Promise.resolve({ changes: [], unknown: ['db.1:nope'] }));
    call.emit('data', set('nope'));
    expect(await ackOf(call)).toEqual({ error: 'not-found', errorMessage: 'parameter db.1:nope does not exist in this run' });
  });

  it('answers unavailable when the controller could not store the value', async () => {
    const call = sessionWith(() => Promise.reject(new Error('connection terminated')));
    call.emit('data', set('url'));
    expect(await ackOf(call)).toEqual({ error: 'unavailable', errorMessage: 'the controller could not store db.1:url; it was not set' });
  });
});

describe('AgentSession welcome', () => {
  it('gives the heartbeat interval for the agents connected, this one included', async () => {
    const hub = new AgentHub();
    for (let i = 1; i <= 2_000; i++) hub.register('run-2', `web.${i}`, { send: () => undefined, close: () => undefined });
    const model = {
      state: 'Executing',
      epoch: 0,
      instances: [{ name: 'db.1', node: 'db', index: 1, cloud: 'local', vm: 'running', completedEpoch: 0, completedState: 'Provisioning', scaleState: 'active' }],
    };
    const recipes = { preinstall: [], postinstall: [], deployment: [], reporting: [], onVmAdd: [], onVmRemove: [], preScale: [], postScale: [] };
    const snapshot = { model, plan: { nodes: [{ name: 'db', packages: [], recipes }] }, sshKeys: [] };
    const engine = { snapshot: () => Promise.resolve(snapshot) } as unknown as RunEngine;
    const call = new FakeCall();
    new AgentSession(call as never, { runId: 'run-1', tenantId: 't', instance: 'db.1', node: 'db', index: 1 }, { engine, bus: new RunBus(), hub, log: pino({ level: 'silent' }) }).start();
    call.emit('data', { message: { $case: 'hello', value: { agentVersion: 'test', completedState: 0, completedEpoch: 0 } } } satisfies SessionRequest);
    await expect.poll(() => call.written.find((m) => m.message?.$case === 'welcome')).toBeDefined();
    const welcome = call.written.find((m) => m.message?.$case === 'welcome')!.message;
    expect(hub.connected).toBe(2_001);
    expect(welcome?.$case === 'welcome' && welcome.value.heartbeatIntervalMs).toBe(20_000);
  });
});
