/**
 * A replica that does not drive an agent's run sends the agent to the one that
 * does: a Redirect naming the owner's agent address, then the stream ends
 * UNAVAILABLE with a message naming it too (what an agent older than Redirect
 * acts on), and the session never reaches the hub or the engine. The engine's
 * redirect of a welcomed session (its run moved away) reaches the agent before
 * the stream ends the same way. Over a real grpc-js server and client on
 * 127.0.0.1, so that the order of message and status is grpc-js's own.
 */
import { credentials, Metadata, Server, ServerCredentials, type ServerDuplexStream, type ServiceError, status, type StatusObject } from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServiceClient, AgentServiceService, type SessionRequest, type SessionResponse } from '../../../proto/gen/slipstream/v1/agent.js';
import { AgentHub } from '../../scheduler/agent-hub.js';
import type { RunEngine } from '../../scheduler/run-engine.js';
import type { AgentRouting } from '../../scheduler/run-ownership.js';
import { RunBus } from '../../scheduler/run-bus.js';
import { callSignal } from '../call-handlers.js';
import { AgentSession } from './agent-session.js';

const AGENT = { runId: 'run-1', tenantId: 't', instance: 'db.1', node: 'db', index: 1 };
const OWNER = '10.1.2.3:7443';

/** A run in Executing with db.1 in it, for sessions this replica drives. */
function liveRun(): RunEngine {
  const model = {
    state: 'Executing',
    epoch: 0,
    instances: [{ name: 'db.1', node: 'db', index: 1, cloud: 'local', vm: 'running', completedEpoch: 0, completedState: 'Provisioning', scaleState: 'active' }],
  };
  const recipes = { preinstall: [], postinstall: [], deployment: [], reporting: [], onVmAdd: [], onVmRemove: [], preScale: [], postScale: [] };
  const snapshot = { model, plan: { nodes: [{ name: 'db', packages: [], recipes }] }, sshKeys: [] };
  return { snapshot: () => Promise.resolve(snapshot) } as unknown as RunEngine;
}

/** An engine any use of which is counted: a redirected session must not touch it. */
function untouchableEngine(uses: string[]): RunEngine {
  return new Proxy({} as RunEngine, {
    get: (_target, name) => () => {
      uses.push(String(name));
      return Promise.reject(new Error(`engine.${String(name)} used`));
    },
  });
}

interface Replica {
  hub: AgentHub;
  engineUses: string[];
  /** Whether the engine holds the run (else any use of it is counted). */
  drives: boolean;
}

/** What an agent saw on one session stream. */
interface Seen {
  messages: SessionResponse[];
  status: Promise<StatusObject>;
}

describe('AgentSession on a replica that does not drive the run', () => {
  let server: Server;
  let client: AgentServiceClient;
  let owners: AgentRouting;
  let replica: Replica;

  beforeAll(async () => {
    server = new Server();
    server.addService(AgentServiceService, {
      enroll: () => undefined,
      uploadReport: () => undefined,
      session: (call: ServerDuplexStream<SessionRequest, SessionResponse>) => {
        const engine = replica.drives ? liveRun() : untouchableEngine(replica.engineUses);
        const deps = { engine, bus: new RunBus(), hub: replica.hub, owners, log: pino({ level: 'silent' }) };
        new AgentSession(call, AGENT, deps).start(callSignal(call));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    client = new AgentServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  /** Opens a session, says hello and records what comes back until the status. */
  function openSession(): Seen {
    const messages: SessionResponse[] = [];
    const call = client.session(new Metadata());
    call.on('data', (m: SessionResponse) => messages.push(m));
    const ended = new Promise<StatusObject>((resolve) => {
      call.on('status', resolve);
      // The error carries the same status; 'status' follows it.
      call.on('error', (_err: ServiceError) => undefined);
    });
    call.write({ message: { $case: 'hello', value: { agentVersion: 'test', completedState: 0, completedEpoch: 0 } } });
    return { messages, status: ended };
  }

  it('sends a Redirect to the owner and ends UNAVAILABLE naming it, without the hub or the engine', async () => {
    replica = { hub: new AgentHub(), engineUses: [], drives: false };
    owners = { owns: () => false, ownerAgentAddress: () => Promise.resolve(OWNER) };
    const seen = openSession();
    const ended = await seen.status;
    expect(ended.code).toBe(status.UNAVAILABLE);
    expect(ended.details).toContain(OWNER);
    expect(seen.messages.map((m) => m.message)).toEqual([
      { $case: 'redirect', value: { address: OWNER, reason: `run run-1 is driven by the controller replica at ${OWNER}` } },
    ]);
    expect(replica.hub.connected).toBe(0);
    expect(replica.engineUses).toEqual([]);
  });

  it('sends an empty address when no replica owns the run, or the lookup fails', async () => {
    for (const ownerAgentAddress of [() => Promise.resolve(undefined), () => Promise.reject(new Error('database gone'))]) {
      replica = { hub: new AgentHub(), engineUses: [], drives: false };
      owners = { owns: () => false, ownerAgentAddress };
      const seen = openSession();
      const ended = await seen.status;
      expect(ended.code).toBe(status.UNAVAILABLE);
      expect(ended.details).toContain('retry later');
      const redirect = seen.messages[0]?.message;
      expect(redirect?.$case === 'redirect' && redirect.value.address).toBe('');
      expect(replica.hub.connected).toBe(0);
      expect(replica.engineUses).toEqual([]);
    }
  });

  it('holds a session that arrives before the replica took its runs, and welcomes it once the run is driven here', async () => {
    replica = { hub: new AgentHub(), engineUses: [], drives: true };
    let owned = false;
    let tookRuns!: () => void;
    const runsTaken = new Promise<void>((resolve) => (tookRuns = resolve));
    owners = { owns: () => owned, ownerAgentAddress: () => Promise.resolve(undefined), runsTaken };
    const seen = openSession();
    // Neither a redirect nor a welcome while the runs are being taken.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.messages).toEqual([]);
    owned = true;
    tookRuns();
    await expect.poll(() => seen.messages[0]?.message?.$case).toBe('welcome');
    expect(replica.hub.isConnected(AGENT.runId, AGENT.instance)).toBe(true);
    for (const [, session] of replica.hub.forRun(AGENT.runId)) session.close();
    await seen.status;
  });

  it('redirects a held session whose run this replica did not take, as the owner says then', async () => {
    replica = { hub: new AgentHub(), engineUses: [], drives: false };
    const lease: { holder?: string } = {};
    let tookRuns!: () => void;
    const runsTaken = new Promise<void>((resolve) => (tookRuns = resolve));
    owners = { owns: () => false, ownerAgentAddress: () => Promise.resolve(lease.holder), runsTaken };
    const seen = openSession();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.messages).toEqual([]);
    lease.holder = OWNER;
    tookRuns();
    const ended = await seen.status;
    expect(ended.code).toBe(status.UNAVAILABLE);
    expect(seen.messages.map((m) => m.message)).toEqual([
      { $case: 'redirect', value: { address: OWNER, reason: `run run-1 is driven by the controller replica at ${OWNER}` } },
    ]);
    expect(replica.engineUses).toEqual([]);
  });

  it('does not hold once the runs are taken: a run nobody drives then is a takeover under way', async () => {
    replica = { hub: new AgentHub(), engineUses: [], drives: false };
    owners = { owns: () => false, ownerAgentAddress: () => Promise.resolve(undefined), runsTaken: Promise.resolve() };
    const seen = openSession();
    const ended = await seen.status;
    expect(ended.details).toContain('retry later');
    expect(seen.messages.map((m) => m.message?.$case)).toEqual(['redirect']);
  });

  it('redirects a session whose run moved away between its start and its hello, before it reaches the hub', async () => {
    replica = { hub: new AgentHub(), engineUses: [], drives: true };
    let asked = 0;
    // Owned when the session starts, gone by the hello.
    owners = { owns: () => asked++ === 0, ownerAgentAddress: () => Promise.resolve(OWNER) };
    const seen = openSession();
    const ended = await seen.status;
    expect(ended.code).toBe(status.UNAVAILABLE);
    expect(seen.messages.map((m) => m.message?.$case)).toEqual(['redirect']);
    expect(asked).toBe(2);
    expect(replica.hub.connected).toBe(0);
  });

  it("delivers the engine's redirect of a welcomed session (send, then close) before the stream ends UNAVAILABLE", async () => {
    replica = { hub: new AgentHub(), engineUses: [], drives: true };
    let owned = true;
    owners = { owns: () => owned, ownerAgentAddress: () => Promise.resolve(OWNER) };
    const seen = openSession();
    await expect.poll(() => replica.hub.isConnected(AGENT.runId, AGENT.instance)).toBe(true);
    // The hub knows the session before its welcome has reached the client (it failed so under load in CI).
    await expect.poll(() => seen.messages[0]?.message?.$case).toBe('welcome');
    // What the engine does when its run goes to another replica.
    owned = false;
    for (const [, session] of replica.hub.forRun(AGENT.runId)) {
      session.send({ type: 'redirect', address: OWNER, reason: 'run run-1 moved to another replica' });
      session.close();
    }
    const ended = await seen.status;
    expect(ended.code).toBe(status.UNAVAILABLE);
    expect(ended.details).toContain(OWNER);
    expect(seen.messages.at(-1)?.message).toEqual({ $case: 'redirect', value: { address: OWNER, reason: 'run run-1 moved to another replica' } });
    expect(replica.hub.connected).toBe(0);
  });
});
