/**
 * Limits on what one API caller holds or does at once, at their defaults, on
 * a real controller with real streams: open watches per token (32) and per
 * tenant (256), mutating calls per token (100 at once, 20 a second) and per
 * tenant (300, 60 a second), refused RESOURCE_EXHAUSTED with RetryInfo and an
 * ErrorInfo naming the limit, which the client library waits out; agents
 * counted apart (at most 2 sessions per credential, a third ends the oldest;
 * user limits never apply to them).
 */
import { Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, fromServiceError, ResourceExhaustedError, type SlipstreamClient, type SlipstreamError } from '../../client/index.js';
import { DEFAULT_CALL_LIMITS, STREAM_RETRY_MS } from '../../controller/api/guards/call-limits.js';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { LaunchRunRequest, type WatchRunResponse } from '../../proto/gen/slipstream/v1/runs.js';
import { grantAgentCredential, launchWaitingRun, WAITING_CLOUD } from '../helpers/agent-credential.js';
import { AgentProbe, agentServiceClient } from '../helpers/agent-probe.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { component } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';

const database = TEST_DATABASES[0]!;

describe(`call limits on ${database}`, () => {
  let controller: TestController;
  let admin: SlipstreamClient;
  let runs: TestRuns;
  let runId: string;
  const open: ClientReadableStream<WatchRunResponse>[] = [];

  const metadataOf = (token: string) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return metadata;
  };

  /** A new token of `user` (the admin when absent). */
  async function newToken(name: string, user?: string, client = admin): Promise<string> {
    return (await client.tokens.create({ name, ...(user ? { user } : {}) })).secret;
  }

  /** Opens a watch of the run; resolves once its first update arrived (open) or with the error it was refused with. */
  function watch(token: string): Promise<ClientReadableStream<WatchRunResponse> | SlipstreamError> {
    const call = runs.raw.watchRun({ id: runId, afterSequence: 0, includeLogs: false, logInstance: '' }, metadataOf(token));
    return new Promise((resolve) => {
      call.once('data', () => {
        open.push(call);
        resolve(call);
      });
      call.on('error', (err: ServiceError) => resolve(fromServiceError(err)));
    });
  }

  async function openWatches(token: string, count: number): Promise<ClientReadableStream<WatchRunResponse>[]> {
    const calls = await Promise.all(Array.from({ length: count }, () => watch(token)));
    for (const call of calls) if (call instanceof Error) throw call;
    return calls as ClientReadableStream<WatchRunResponse>[];
  }

  function closeAll(): void {
    for (const call of open.splice(0)) call.cancel();
  }

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    admin = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    runs = new TestRuns(admin);
    runId = await launchWaitingRun(admin, runs, 'limits/app');
    await admin.users.create({ name: 'watcher', role: Role.ROLE_VIEWER });
  }, 60_000);

  afterAll(async () => {
    closeAll();
    await runs?.terminateAll();
    admin?.close();
    await controller?.stop();
  });

  it('one token holds at most 32 open streams: the next is refused with when to retry, a closed one frees its slot', async () => {
    const token = await newToken('watch-1', 'watcher');
    const watches = await openWatches(token, DEFAULT_CALL_LIMITS.streamsPerToken);
    const refused = await watch(token);
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect(refused).toMatchObject({ reason: 'TOO_MANY_STREAMS', retryDelayMs: STREAM_RETRY_MS, metadata: { limit: 'streams_per_token', max: '32' } });
    watches[0]!.cancel();
    const next = await waitFor('a slot freed by the cancelled watch', async () => {
      const attempt = await watch(token);
      return attempt instanceof Error ? undefined : attempt;
    });
    expect(next).not.toBeInstanceOf(Error);
    closeAll();
  });

  it('the tokens of one tenant hold at most 256 together; the tenant still reaches its agents', async () => {
    const tokens = await Promise.all(Array.from({ length: 9 }, (_, i) => newToken(`watch-tenant-${i}`, 'watcher')));
    for (const token of tokens.slice(0, 8)) await openWatches(token, DEFAULT_CALL_LIMITS.streamsPerTenant / 8);
    const refused = await watch(tokens[8]!);
    expect(refused).toMatchObject({ reason: 'TOO_MANY_STREAMS', metadata: { limit: 'streams_per_tenant', max: '256' } });
    expect((refused as ResourceExhaustedError).retryDelayMs).toBe(STREAM_RETRY_MS);

    const agents = agentServiceClient(controller.address);
    const probe = new AgentProbe(agents, await grantAgentCredential(controller, runId, 'node.1'));
    try {
      expect((await probe.get('node.1:note')).value).toBe('none');
    } finally {
      probe.close();
      agents.close();
    }
    closeAll();
    await waitFor('the tenant’s slots freed', async () => ((await watch(tokens[8]!)) instanceof Error ? undefined : true));
    closeAll();
  });

  /** LaunchRun through the raw generated client (the library would wait and retry a refusal): the typed error it ends with. */
  function rawLaunch(token: string): Promise<SlipstreamError> {
    return new Promise((resolve) => {
      runs.raw.launchRun(LaunchRunRequest.fromPartial({ module: 'limits/nothing-here' }), metadataOf(token), (err) => resolve(fromServiceError(err!)));
    });
  }

  it('one token makes at most 100 changes at once: 200 concurrent launches see refusals saying when to retry; reads are not limited', async () => {
    const token = await newToken('flood');
    const { burst, perSecond } = DEFAULT_CALL_LIMITS.mutationsPerToken;
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => rawLaunch(token)));
    const seconds = (performance.now() - started) / 1000;
    const refused = outcomes.filter((o): o is ResourceExhaustedError => o instanceof ResourceExhaustedError);
    // Whatever the machine's speed: the burst passes, and no more than the bucket refilled while the calls ran.
    // (Here 200 calls take well under the 5 s in which the bucket would refill enough to pass them all.)
    expect(outcomes.length - refused.length).toBeGreaterThanOrEqual(burst);
    expect(outcomes.length - refused.length).toBeLessThanOrEqual(burst + Math.ceil(seconds * perSecond));
    for (const err of refused) {
      expect(err).toMatchObject({ reason: 'RATE_LIMITED', metadata: { limit: 'mutations_per_token', burst: String(burst), perSecond: String(perSecond) } });
      expect(err.retryDelayMs).toBeGreaterThan(0);
      expect(err.retryDelayMs).toBeLessThanOrEqual(1000 / perSecond);
    }
    const client = createSlipstreamClient({ address: controller.address, token });
    try {
      const reads = await Promise.all(Array.from({ length: 200 }, () => client.runs.get(runId).then(() => 'ok', (e: unknown) => e)));
      expect(reads.filter((r) => r !== 'ok')).toEqual([]);
    } finally {
      client.close();
    }
    // Empty the bucket again (in as many rounds as it takes); then waiting as long as the last refusal said is enough.
    let waits: number[] = [];
    for (let round = 0; round < 20 && waits.length === 0; round++) {
      const again = await Promise.all(Array.from({ length: 50 }, () => rawLaunch(token)));
      waits = again.filter((o): o is ResourceExhaustedError => o instanceof ResourceExhaustedError).map((e) => e.retryDelayMs!);
    }
    expect(waits.length).toBeGreaterThan(0);
    // Honouring the hints gets a call through at once or after a second hint: a call of the same round that ran after
    // a refusal may have taken the token that refusal's hint promised (seen on a loaded machine).
    let delayMs = Math.max(...waits);
    let outcome: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      outcome = await rawLaunch(token);
      if (!(outcome instanceof ResourceExhaustedError)) break;
      delayMs = outcome.retryDelayMs!;
    }
    expect(outcome).not.toBeInstanceOf(ResourceExhaustedError);
  });

  it('the client library waits as told and repeats a refused call: a push from a token whose bucket is empty goes through', async () => {
    const token = await newToken('catalog');
    const { perSecond } = DEFAULT_CALL_LIMITS.mutationsPerToken;
    // Empty the token's bucket (in as many rounds as it takes). The bucket was empty at the refusal, some time after
    // the last round began: timed from that round's start, the saves below can only have taken longer.
    let emptiedSince = performance.now();
    for (let round = 0; round < 20; round++) {
      emptiedSince = performance.now();
      const outcomes = await Promise.all(Array.from({ length: 150 }, () => rawLaunch(token)));
      if (outcomes.some((o) => o instanceof ResourceExhaustedError)) break;
    }
    const client = createSlipstreamClient({ address: controller.address, token });
    try {
      const started = emptiedSince;
      for (let i = 0; i < 20; i++) await client.modules.save(component(`catalog/m${i}`));
      // Each save waited for its token: at least the time the bucket takes to refill 19 of them from empty, however
      // fast or loaded the machine (timing from the save loop's start instead missed what refilled before it).
      expect(performance.now() - started).toBeGreaterThanOrEqual((19 / perSecond) * 1000 - 50);
      expect((await client.modules.list({ prefix: 'catalog' })).length).toBe(20);
    } finally {
      client.close();
    }
  });

  it('the tokens of one tenant make at most 300 changes at once together', async () => {
    const created = await admin.tenants.create({ name: 'flooders', displayName: 'Flooders', adminUser: 'boss' });
    const boss = createSlipstreamClient({ address: controller.address, token: created.adminToken });
    // Eight tokens, each within its own burst: only the tenant's bucket can refuse.
    const tokens = await Promise.all(Array.from({ length: 8 }, (_, i) => newToken(`flood-${i}`, undefined, boss)));
    try {
      const { burst, perSecond } = DEFAULT_CALL_LIMITS.mutationsPerTenant;
      const started = performance.now();
      const outcomes = await Promise.all(tokens.flatMap((token) => Array.from({ length: DEFAULT_CALL_LIMITS.mutationsPerToken.burst }, () => rawLaunch(token))));
      const seconds = (performance.now() - started) / 1000;
      const refused = outcomes.filter((o): o is ResourceExhaustedError => o instanceof ResourceExhaustedError);
      // Whatever the machine's speed, no more pass than the tenant's bucket held and refilled while the calls ran
      // (the tenant's tokens created just before took from it too).
      expect(outcomes.length - refused.length).toBeLessThanOrEqual(burst + Math.ceil(seconds * perSecond));
      expect(refused.every((e) => e.metadata.limit === 'mutations_per_tenant' && e.reason === 'RATE_LIMITED')).toBe(true);
      for (const err of refused) expect(err.message).toMatch(/tenant 'flooders'/);
    } finally {
      boss.close();
    }
  });

  it('an agent credential holds at most 2 sessions: a third ends the oldest, the newer ones keep working', async () => {
    const credential = await grantAgentCredential(controller, runId, 'node.1');
    const agents = agentServiceClient(controller.address);
    const probes = [new AgentProbe(agents, credential)];
    try {
      await probes[0]!.get('node.1:note');
      probes.push(new AgentProbe(agents, credential));
      await probes[1]!.get('node.1:note');
      probes.push(new AgentProbe(agents, credential));
      await probes[2]!.get('node.1:note');
      const ended = await probes[0]!.whenEnded();
      expect(fromServiceError(ended)).toMatchObject({ reason: 'TOO_MANY_SESSIONS', metadata: { limit: 'sessions_per_agent', max: '2' } });
      expect((await probes[1]!.get('node.1:note')).value).toBe('none');
      expect((await probes[2]!.get('node.1:note')).value).toBe('none');
    } finally {
      for (const probe of probes) probe.close();
      agents.close();
    }
  });
});
