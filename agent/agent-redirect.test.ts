/**
 * Agents follow their run's owner among controller replicas (two or more
 * fake controllers that accept each other's credentials): a Redirect with an
 * address sends the session there at once, a pending ss-get goes with it and
 * is answered by the owner, and no phase runs twice; a Redirect without an
 * address makes it ask the same replica again soon (fifteen times, then
 * the next address); an address that cannot be reached moves the agent on to
 * the next address of its list, as does a failed enrollment.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { freePort } from '../test/helpers/free-port.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { AgentConfigError, parseAgentConfig } from './config.js';
import type { AgentProbeEvent } from './probe.js';
import type { FakeController } from './testing/test-controller.js';
import { cleanupAll, startFakeController, startTestAgent } from './testing/test-agent.js';

const { RUN_STATE_PROVISIONING: PROVISIONING, RUN_STATE_EXECUTING: EXECUTING } = RunState;

afterEach(cleanupAll);

const DEPLOYMENT = [{ source: 'app/web@1', script: 'echo deployment >> runs.txt\nss-get --timeout 0 db.1:url > got.txt' }];

/** Two replicas of one run: `enrolling` holds the bootstrap token, `owner` accepts the credential it issues. */
async function replicas(options: Parameters<typeof startFakeController>[0] = {}): Promise<[FakeController, FakeController]> {
  const enrolling = await startFakeController({ plan: { deployment: DEPLOYMENT }, ...options });
  const owner = await startFakeController({ token: enrolling.token, plan: { deployment: DEPLOYMENT }, ...options });
  owner.trustCredentialsOf(enrolling);
  return [enrolling, owner];
}

/** Phase starts, to tell that none ran twice. */
function phaseStarts(events: AgentProbeEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'phase-started' ? [`${RunState[e.state]}@${e.epoch}`] : []));
}

describe('an agent among controller replicas', () => {
  it('follows the redirect of its session to the owner at once, and the ss-get it was waiting on is answered there', async () => {
    const [a, b] = await replicas();
    const events: AgentProbeEvent[] = [];
    const { workDir, logs } = await startTestAgent(a, { probe: (e) => events.push(e) });
    await waitFor('provisioning completed at A', async () => a.hasCompleted(PROVISIONING) || undefined);
    a.setState(EXECUTING);
    const get = await waitFor('the ss-get reached A', async () => a.parameterGets[0]);

    // The run moves to B: A sends the session there, and any new one too.
    b.run = { ...a.run };
    a.redirectTo = b.address;
    a.redirectSessions(b.address);

    await waitFor('the session is with B', async () => b.openSessions === 1 || undefined);
    expect(b.hellos).toEqual([expect.objectContaining({ completedState: PROVISIONING, completedEpoch: 1 })]);
    const again = await waitFor('the ss-get asked again at B', async () => b.parameterGets[0]);
    expect(again).toMatchObject({ requestId: get.requestId, key: 'db.1:url', wait: true });
    b.setParameter('db.1:url', 'pg://from-b');
    await waitFor('deployment completed at B', async () => b.hasCompleted(EXECUTING) || undefined);

    expect(await readFile(join(workDir, 'home', 'got.txt'), 'utf8')).toBe('pg://from-b\n');
    expect(await readFile(join(workDir, 'home', 'runs.txt'), 'utf8')).toBe('deployment\n');
    expect(phaseStarts(events)).toEqual(['RUN_STATE_PROVISIONING@1', 'RUN_STATE_EXECUTING@1']);
    expect(a.completions).toEqual([{ state: PROVISIONING, epoch: 1 }]);
    expect(b.completions).toEqual([{ state: EXECUTING, epoch: 1 }]);
    expect(a.sessionsRedirected).toBe(1);
    expect(b.sessionsOpened).toBe(1);
    expect(logs.find((l) => l.msg === 'redirected to the controller replica that drives the run')).toMatchObject({ controller: b.address, delayMs: 0 });
  });

  it('keeps asking a live replica that names no owner (a takeover under way), and is welcomed there once it drives the run', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const [replica] = await replicas();
    replica.redirectTo = '';
    const { logs } = await startTestAgent(replica, {}, { controller: replica.address, controllerAddresses: [replica.address, dead] });
    await waitFor('the replica said twice that nobody drives the run', async () => replica.sessionsRedirected >= 2 || undefined);
    // The takeover is over: this replica drives the run now.
    replica.redirectTo = undefined;
    await waitFor('provisioning completed at the replica', async () => replica.hasCompleted(PROVISIONING) || undefined);
    expect(logs.some((l) => l.controller === dead)).toBe(false);
    expect(logs.filter((l) => l.msg === 'no controller replica drives the run right now; asking again').length).toBeGreaterThanOrEqual(2);
  });

  it('takes a redirect to a replica that just refused it (a dead owner, its lease not lapsed) as no owner yet, and asks again', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const [replica] = await replicas();
    // Still names the dead owner: its lease has not lapsed.
    replica.redirectTo = dead;
    const { logs } = await startTestAgent(replica, {}, { controller: dead, controllerAddresses: [dead, replica.address] });
    await waitFor('a redirect to the dead owner taken as no owner yet', async () =>
      logs.some((l) => l.msg === 'no controller replica drives the run right now; asking again') || undefined,
    );
    // The takeover is over: this replica drives the run now.
    replica.redirectTo = undefined;
    await waitFor('provisioning completed at the replica', async () => replica.hasCompleted(PROVISIONING) || undefined);
    expect(logs.filter((l) => l.msg === 'redirected to the controller replica that drives the run' && l.controller === dead)).toEqual([]);
  });

  it('goes round its list past an unreachable address and a replica with no owner to name, and on to the owner a redirect names', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    // Enrolls the agent, then names no owner for its sessions.
    const [noOwner, owner] = await replicas();
    noOwner.redirectTo = '';
    // Not the owner, but knows which replica is.
    const pointer = await startFakeController({ token: noOwner.token });
    pointer.trustCredentialsOf(noOwner);
    pointer.redirectTo = owner.address;

    const { logs } = await startTestAgent(noOwner, {}, { controller: dead, controllerAddresses: [dead, noOwner.address, pointer.address] });
    // The no-owner replica is asked fifteen times, about a second apart, before the agent moves on.
    await waitFor('provisioning completed at the owner', async () => owner.hasCompleted(PROVISIONING) || undefined, 45_000);

    expect(noOwner.enrollments).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'enroll failed; retrying' && l.controller === dead)).toBe(true);
    expect(logs.some((l) => l.msg === 'controller unreachable; trying the next address' && l.controller === dead)).toBe(true);
    expect(noOwner.sessionsRedirected).toBeGreaterThanOrEqual(1);
    expect(pointer.sessionsRedirected).toBeGreaterThanOrEqual(1);
    expect(owner.hellos).toHaveLength(1);
    expect(noOwner.completions).toEqual([]);
    expect(pointer.completions).toEqual([]);
  });
});

describe('the agent config', () => {
  const base = { controller: '127.0.0.1:1', insecure: true, runId: 'r', instance: 'web.1', bootstrapToken: 't' };

  it('takes a list of controller addresses and names a bad one', () => {
    expect(parseAgentConfig({ ...base, controllerAddresses: ['a.example:443', '[::1]:7443'] }).controllerAddresses).toEqual(['a.example:443', '[::1]:7443']);
    expect(() => parseAgentConfig({ ...base, controllerAddresses: ['a.example:443', 'no-port'] })).toThrow(
      new AgentConfigError('config.controllerAddresses[1]: must be HOST:PORT'),
    );
    expect(() => parseAgentConfig({ ...base, controllerAddresses: [] })).toThrow(/config\.controllerAddresses: must be a non-empty list/);
  });
});
