/**
 * The public API for browsers (Connect and gRPC-Web on the HTTP port) on a
 * real controller: a run launched, watched to Ready and terminated through
 * it, with the gRPC API's authentication, roles, validation details and
 * password masking holding unchanged, and a browser's abort ending the
 * forwarded stream (its stream slot comes back).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest } from '../../proto/gen/google/rpc/error_details.js';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import type { TestDatabase } from '../helpers/controller.js';
import { BrowserApi } from '../helpers/browser-api.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';

const SECRET = 'hunter2-through-the-gateway';
const STREAMS_PER_TOKEN = 2;

const SETUPS: { database: TestDatabase; tls: boolean }[] = [
  { database: 'sqlite', tls: false },
  { database: 'postgres', tls: true },
];

/** What a call rejected with, as a ConnectError. */
async function connectErrorOf(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

describe.each(SETUPS)('the browser API on $database (tls: $tls)', ({ database, tls }) => {
  let harness: Harness;
  let api: BrowserApi;
  let admin: string;
  let viewer: string;
  let runId: string;

  beforeAll(async () => {
    harness = await startHarness({ database, tls, controllerOptions: { callLimits: { streamsPerToken: STREAMS_PER_TOKEN } } });
    const { controller, client } = harness;
    api = new BrowserApi(controller.httpUrl, controller.caCertificate);
    admin = controller.adminToken;
    await client.users.create({ name: 'vic', role: Role.ROLE_VIEWER });
    viewer = (await client.tokens.create({ name: 'vic-browser', user: 'vic' })).secret;
    await client.modules.save({
      kind: 'component',
      path: 'browser/web',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-display up' },
      parameters: [{ name: 'dbpw', category: 'input', type: 'password', default: SECRET }],
    });
  });

  afterAll(async () => {
    api?.close();
    await harness?.close();
  });

  it('WhoAmI answers the caller: user, role, tenant (Connect and gRPC-Web)', async () => {
    const me = await api.call('UserService/WhoAmI', {}, { token: admin });
    expect(me).toMatchObject({ user: { name: expect.any(String), role: 'ROLE_ADMIN', tenant: expect.any(String) } });
    const web = new BrowserApi(harness.controller.httpUrl, harness.controller.caCertificate, 'grpc-web');
    try {
      expect(await web.call('UserService/WhoAmI', {}, { token: viewer })).toMatchObject({ user: { name: 'vic', role: 'ROLE_VIEWER' } });
    } finally {
      web.close();
    }
  });

  it('launches a run, follows WatchRun to Ready, lists it masked, terminates it', async () => {
    const launched = await api.call('RunService/LaunchRun', { module: 'browser/web', defaultCloud: 'local', timeoutMinutes: 5 }, { token: admin });
    runId = (launched.run as { id: string }).id;
    harness.runs.launched.push(runId);

    const seen: string[] = [];
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), 90_000);
    try {
      for await (const update of api.stream('RunService/WatchRun', { id: runId }, { token: admin, signal: controller.signal })) {
        seen.push(JSON.stringify(update));
        const state = (update.snapshot as { state?: string } | undefined)?.state ?? (update.stateChanged as { to?: string } | undefined)?.to;
        if (state === 'RUN_STATE_READY') break;
      }
    } finally {
      clearTimeout(deadline);
    }
    expect(seen.at(-1)).toContain('RUN_STATE_READY');
    expect(seen.join('\n')).not.toContain(SECRET);

    const listed = await api.call('RunService/ListRuns', {}, { token: viewer });
    expect((listed.runs as { id: string }[]).map((r) => r.id)).toContain(runId);

    // The password reads as over gRPC: masked.
    const overGrpc = (await harness.runs.parameters(runId)).find((p) => p.key.endsWith(':dbpw'));
    const parameters = (await api.call('RunService/ListRunParameters', { id: runId }, { token: admin })).parameters as { key: string; value?: string; secret?: boolean }[];
    const overBrowser = parameters.find((p) => p.key.endsWith(':dbpw'));
    expect(overGrpc?.secret).toBe(true);
    expect(overBrowser).toMatchObject({ key: overGrpc!.key, value: overGrpc!.value, secret: true });
    expect(JSON.stringify(parameters)).not.toContain(SECRET);
  }, 120_000);

  it('refuses as the gRPC API does: no token, a viewer terminating, a bad launch with its field violation', async () => {
    expect((await connectErrorOf(api.call('UserService/WhoAmI', {}))).code).toBe(Code.Unauthenticated);
    expect((await connectErrorOf(api.call('RunService/TerminateRun', { id: runId }, { token: viewer }))).code).toBe(Code.PermissionDenied);

    const invalid = await connectErrorOf(api.call('RunService/LaunchRun', { module: 'browser/web', timeoutMinutes: -1 }, { token: admin }));
    expect(invalid.code).toBe(Code.InvalidArgument);
    const details = invalid.details.filter((d) => 'type' in d && d.type === 'google.rpc.BadRequest');
    expect(details).toHaveLength(1);
    const violations = BadRequest.decode((details[0] as { value: Uint8Array }).value).fieldViolations;
    expect(violations.map((v) => v.field)).toContain('timeout_minutes');
    // Over plain JSON, as curl or a page's own fetch sees it: the violation readable without decoding protobuf.
    const raw = await post(`${harness.controller.httpUrl}/slipstream.v1.RunService/LaunchRun`, Buffer.from('{"module":"browser/web","timeoutMinutes":-1}'), harness.controller.caCertificate, {
      'content-type': 'application/json',
      authorization: `Bearer ${admin}`,
    });
    expect(raw.status).toBe(400);
    const json = JSON.parse(raw.body) as { code: string; details: { type: string; debug?: { fieldViolations?: { field: string }[] } }[] };
    expect(json.code).toBe('invalid_argument');
    const badRequest = json.details.find((d) => d.type === 'google.rpc.BadRequest');
    expect(badRequest?.debug?.fieldViolations?.map((v) => v.field)).toContain('timeout_minutes');
  });

  it('answers a garbage body with an error, and keeps serving', async () => {
    const { status, body } = await post(`${harness.controller.httpUrl}/slipstream.v1.RunService/LaunchRun`, Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x00]), harness.controller.caCertificate, {
      'content-type': 'application/proto',
      authorization: `Bearer ${admin}`,
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.length).toBeGreaterThan(0);
    const json = await post(`${harness.controller.httpUrl}/slipstream.v1.UserService/WhoAmI`, Buffer.from('{"not json'), harness.controller.caCertificate, {
      'content-type': 'application/json',
      authorization: `Bearer ${admin}`,
    });
    expect(json.status).toBe(400);
    expect((await post(`${harness.controller.httpUrl}/slipstream.v1.UserService/WhoAmI`, Buffer.alloc(0), harness.controller.caCertificate, {}, 'GET')).status).toBe(405);
    // Past the API's 4 MiB request cap: refused before anything is forwarded.
    const huge = await post(`${harness.controller.httpUrl}/slipstream.v1.RunService/LaunchRun`, Buffer.from(`{"module":"${'m'.repeat(5 * 1024 * 1024)}"}`), harness.controller.caCertificate, {
      'content-type': 'application/json',
      authorization: `Bearer ${admin}`,
    });
    expect(JSON.parse(huge.body)).toMatchObject({ code: 'resource_exhausted' });
    expect(await api.call('UserService/WhoAmI', {}, { token: admin })).toMatchObject({ user: { role: 'ROLE_ADMIN' } });
  });

  it('an aborted WatchRun gives its stream slot back: more than the limit opened and aborted in a row', async () => {
    const token = (await harness.client.tokens.create({ name: 'browser-streams' })).secret;
    /** Opens a watch, reads its first update, aborts; a refusal while an earlier slot is still being released is retried. */
    const openAndAbort = () =>
      waitFor('a watch opens', async () => {
        const controller = new AbortController();
        try {
          for await (const _ of api.stream('RunService/WatchRun', { id: runId }, { token, signal: controller.signal })) break;
          return true;
        } catch (err) {
          if (err instanceof ConnectError && err.code === Code.ResourceExhausted) return undefined;
          throw err;
        } finally {
          controller.abort();
        }
      }, 15_000);
    for (let i = 0; i < STREAMS_PER_TOKEN * 3; i++) await openAndAbort();
    // And the limit itself still holds through the gateway: every slot taken, the next watch is refused.
    const held = Array.from({ length: STREAMS_PER_TOKEN }, () => new AbortController());
    try {
      const iterators = held.map((c) => api.stream('RunService/WatchRun', { id: runId }, { token, signal: c.signal }));
      await waitFor('every slot held', async () => {
        for (const it of iterators) await it.next();
        return true;
      }, 15_000);
      const refused = await connectErrorOf((async () => {
        for await (const _ of api.stream('RunService/WatchRun', { id: runId }, { token })) break;
      })());
      expect(refused.code).toBe(Code.ResourceExhausted);
    } finally {
      for (const c of held) c.abort();
    }
    await openAndAbort();
  }, 120_000);

  it('terminates the run through the gateway', async () => {
    const terminated = await api.call('RunService/TerminateRun', { id: runId }, { token: admin });
    expect(terminated.run).toMatchObject({ id: runId });
  });
});

/** One raw HTTP request to the HTTP port. */
function post(url: string, body: Buffer, ca: string | undefined, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; body: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : body);
  });
}
