/**
 * An agent's parameter set is always answered: stored, refused with the
 * reason, or, when the controller could not store it, an `unavailable`
 * error (unanswered, the agent would wait until its stream broke). The
 * welcome's heartbeat interval grows with the agents connected. Any request
 * whose handling fails is answered (or its stream ended), never left to an
 * unhandled rejection, and one agent's waiting gets are bounded. Errors carry
 * their code and, for agents older than the code, the same error as text.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestErrorCode, type SessionRequest, type SessionResponse } from '../../../proto/gen/slipstream/v1/agent.js';
import type { RunEngine } from '../../scheduler/run-engine.js';
import { AgentHub } from '../../scheduler/agent-hub.js';
import { RunBus } from '../../scheduler/run-bus.js';
import type { AgentRouting } from '../../scheduler/run-ownership.js';
import { outputStreamToProto } from '../../../common/convert/output-streams.js';
import { AgentSession, MAX_WAITING_GETS } from './agent-session.js';

/** A single controller: it drives every run (agent-session-redirect.test.ts covers the rest). */
const OWNS_EVERY_RUN: AgentRouting = { owns: () => true, ownerAgentAddress: () => Promise.resolve(undefined) };

interface ErrorFields {
  errorCode: RequestErrorCode;
  error: string;
  errorMessage: string;
}

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
  /** The replies of one kind, by request id. */
  replies(kind: 'ack' | 'parameter' | 'parameterGetAll'): Map<string, ErrorFields> {
    const found = new Map<string, ErrorFields>();
    for (const { message: m } of this.written) if (m?.$case === kind) found.set(m.value.requestId, m.value);
    return found;
  }
}

/** A session of db.1 on an engine made of `parts` (the rest throws when used). */
function sessionOn(parts: Partial<RunEngine>, bus = new RunBus()): FakeCall {
  const call = new FakeCall();
  const engine = { snapshot: () => Promise.resolve({ model: { state: 'Executing' } }), ...parts } as unknown as RunEngine;
  new AgentSession(call as never, { runId: 'run-1', tenantId: 't', instance: 'db.1', node: 'db', index: 1 }, { engine, bus, hub: new AgentHub(), owners: OWNS_EVERY_RUN, log: pino({ level: 'silent' }) }).start(new AbortController().signal);
  return call;
}

function sessionWith(setParameters: RunEngine['setParameters']): FakeCall {
  const call = new FakeCall();
  // A live run (a session of a finished or missing one is ended at start).
  const engine = { setParameters, snapshot: () => Promise.resolve({ model: { state: 'Executing' } }) } as unknown as RunEngine;
  const session = new AgentSession(
    call as never,
    { runId: 'run-1', tenantId: 't', instance: 'db.1', node: 'db', index: 1 },
    { engine, bus: new RunBus(), hub: new AgentHub(), owners: OWNS_EVERY_RUN, log: pino({ level: 'silent' }) },
  );
  session.start(new AbortController().signal);
  return call;
}

const set = (key: string): SessionRequest => ({ message: { $case: 'parameterSet', value: { requestId: 'r1', key, value: 'pg://db' } } });

async function ackOf(call: FakeCall): Promise<ErrorFields> {
  await expect.poll(() => call.written.some((m) => m.message?.$case === 'ack')).toBe(true);
  const ack = call.written.find((m) => m.message?.$case === 'ack')!.message;
  if (ack?.$case !== 'ack') throw new Error('no ack');
  return { errorCode: ack.value.errorCode, error: ack.value.error, errorMessage: ack.value.errorMessage };
}

describe('AgentSession parameter set', () => {
  it('acknowledges a stored set', async () => {
    const call = sessionWith(() => Promise.resolve({ changes: [{ key: 'db.1:url', value: 'pg://db' }], unknown: [] }));
    call.emit('data', set('url'));
    expect(await ackOf(call)).toEqual({ errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED, error: '', errorMessage: '' });
  });

  it('names a key that is no parameter of the run', async () => {
    const call = sessionWith(() => Promise.resolve({ changes: [], unknown: ['db.1:nope'] }));
    call.emit('data', set('nope'));
    expect(await ackOf(call)).toEqual({
      errorCode: RequestErrorCode.REQUEST_ERROR_CODE_NOT_FOUND,
      error: 'not-found',
      errorMessage: 'parameter db.1:nope does not exist in this run',
    });
  });

  it('answers unavailable when the controller could not store the value', async () => {
    const call = sessionWith(() => Promise.reject(new Error('connection terminated')));
    call.emit('data', set('url'));
    expect(await ackOf(call)).toEqual({
      errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNAVAILABLE,
      error: 'unavailable',
      errorMessage: 'the controller could not store db.1:url; it was not set',
    });
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
    new AgentSession(call as never, { runId: 'run-1', tenantId: 't', instance: 'db.1', node: 'db', index: 1 }, { engine, bus: new RunBus(), hub, owners: OWNS_EVERY_RUN, log: pino({ level: 'silent' }) }).start(new AbortController().signal);
    call.emit('data', { message: { $case: 'hello', value: { agentVersion: 'test', completedState: 0, completedEpoch: 0 } } } satisfies SessionRequest);
    await expect.poll(() => call.written.find((m) => m.message?.$case === 'welcome')).toBeDefined();
    const welcome = call.written.find((m) => m.message?.$case === 'welcome')!.message;
    expect(hub.connected).toBe(2_001);
    expect(welcome?.$case === 'welcome' && welcome.value.heartbeatIntervalMs).toBe(20_000);
  });
});

describe('AgentSession when handling a message fails', () => {
  const broken = () => Promise.reject(new Error('database gone'));

  it('answers a get, a get-all and an abort unavailable instead of leaving them unanswered', async () => {
    const call = sessionOn({ parameterValues: broken, dispatch: broken });
    call.emit('data', { message: { $case: 'parameterGet', value: { requestId: 'g', key: 'url', wait: false, timeoutMs: 0 } } } satisfies SessionRequest);
    call.emit('data', { message: { $case: 'parameterGetAll', value: { requestId: 'a', node: 'db', key: 'url', wait: false, timeoutMs: 0 } } } satisfies SessionRequest);
    call.emit('data', { message: { $case: 'abort', value: { requestId: 'x', message: 'stop', cancel: false } } } satisfies SessionRequest);
    const failed = { errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNAVAILABLE, error: 'unavailable', errorMessage: 'the controller could not handle the request; try again' };
    await expect.poll(() => call.replies('ack').get('x')).toMatchObject(failed);
    expect(call.replies('parameter').get('g')).toMatchObject(failed);
    expect(call.replies('parameterGetAll').get('a')).toMatchObject(failed);
  });

  it('ends the stream when a completion could not be recorded, so that the agent reconnects and sends it again', async () => {
    const call = sessionOn({ dispatch: broken });
    call.emit('data', { message: { $case: 'stateComplete', value: { state: 3, epoch: 0 } } } satisfies SessionRequest);
    await expect.poll(() => call.writable).toBe(false);
  });

  it('journals no log line sent before hello', async () => {
    const appended: unknown[] = [];
    const call = sessionOn({ appendLogs: (_run, entries) => (appended.push(...entries), Promise.resolve()) });
    call.emit('data', { message: { $case: 'logs', value: { lines: [{ instance: 'db.1', phase: 'deployment', ...outputStreamToProto('stdout'), text: 'early', time: new Date(0), droppedLines: 0, droppedBytes: 0 }], dropped: 0, droppedBytes: 0, droppedPhase: '' } } } satisfies SessionRequest);
    call.emit('data', { message: { $case: 'parameterSet', value: { requestId: 'after', key: 'ip', value: 'x' } } } satisfies SessionRequest);
    // Messages are handled in order: once the set behind the lines is answered, the lines were dealt with.
    await expect.poll(() => call.replies('ack').get('after')).toMatchObject({ errorCode: RequestErrorCode.REQUEST_ERROR_CODE_PERMISSION_DENIED, error: 'permission-denied' });
    expect(appended).toEqual([]);
  });
});

describe('AgentSession waiting gets', () => {
  it(`holds at most ${MAX_WAITING_GETS} waiting gets of one agent and refuses the next one until some end`, async () => {
    const bus = new RunBus();
    const call = sessionOn({ parameterValues: (_run, keys) => Promise.resolve(new Map(keys.map((k) => [k, null]))) }, bus);
    const get = (requestId: string): SessionRequest => ({ message: { $case: 'parameterGet', value: { requestId, key: 'url', wait: true, timeoutMs: 0 } } });
    for (let i = 0; i < MAX_WAITING_GETS; i++) call.emit('data', get(`w${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    call.emit('data', get('one-too-many'));
    await expect.poll(() => call.replies('parameter').get('one-too-many')).toMatchObject({
      errorCode: RequestErrorCode.REQUEST_ERROR_CODE_RESOURCE_EXHAUSTED,
      error: 'resource-exhausted',
    });
    expect(call.replies('parameter').size).toBe(1);
    // The value comes: every waiting get is answered, and the next one may wait again.
    bus.publish('run-1', { kind: 'parameters', values: [{ key: 'db.1:url', value: 'pg://db' }] });
    await expect.poll(() => call.replies('parameter').size).toBe(MAX_WAITING_GETS + 1);
    call.emit('data', get('again'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(call.replies('parameter').has('again')).toBe(false);
    call.emit('end');
  });
});
