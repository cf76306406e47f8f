/**
 * The request guard against a real controller, through raw bytes: for every
 * entry of the limits table the biggest legal size passes the guard and the
 * first illegal one is INVALID_ARGUMENT naming the field; a NUL in any string
 * of any user-facing request is INVALID_ARGUMENT naming its path; bytes that
 * are not protobuf are INVALID_ARGUMENT (never INTERNAL) for every kind of
 * method, the agent's streams included; and an error with thousands of
 * violations reaches the client whole, capped.
 */
import { create, toBinary, ScalarType, type DescField, type DescMessage, type DescMethod, type DescService, type Message } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, type SlipstreamClient } from '../../client/index.js';
import { MAX_REPORTED_VIOLATIONS, MAX_STATUS_MESSAGE_CHARS } from '../../controller/api/errors.js';
import { contractRegistry } from '../../controller/api/contract-descriptors.js';
import { AGENT_SERVICES, DEFAULT_STRING_BYTES, ENTRY_LIMITS, STRING_BYTE_LIMITS } from '../../controller/api/request-limits.js';
import { LIBRARY_SERVICES, SERVED } from '../../controller/api/server.js';
import { SessionRequest, SessionResponse } from '../../proto/gen/slipstream/v1/agent.js';
import { grantAgentCredential, launchWaitingRun, WAITING_CLOUD } from '../helpers/agent-credential.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { bearer, rawCall, rawRequest, type RawMethod, type RawOutcome } from '../helpers/raw-grpc.js';
import { TestRuns } from '../helpers/runs.js';

const registry = contractRegistry();
const services = [...SERVED, ...LIBRARY_SERVICES].map((name) => registry.getService(name)!);
const isAgent = (service: DescService) => AGENT_SERVICES.has(service.typeName);

/** A way from a method's request to a field: the fields passed through, the last one the target. */
interface Route {
  service: DescService;
  method: DescMethod;
  steps: DescField[];
}

/** Every route to every field, one per (method, field), shortest first, through the first entry of lists and maps. */
function routes(): Route[] {
  const found: Route[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      const walk = (message: DescMessage, steps: DescField[], seen: Set<string>) => {
        for (const field of message.fields) {
          found.push({ service, method, steps: [...steps, field] });
          if (field.message && !seen.has(field.message.typeName)) walk(field.message, [...steps, field], new Set([...seen, field.message.typeName]));
        }
      };
      walk(method.input, [], new Set([method.input.typeName]));
    }
  }
  return found;
}

const fullName = (route: Route) => {
  const last = route.steps.at(-1)!;
  return `${last.parent.typeName}.${last.name}`;
};

const rawMethod = (route: Route): RawMethod => ({
  path: `/${route.service.typeName}/${route.method.name}`,
  requestStream: route.method.methodKind === 'client_streaming' || route.method.methodKind === 'bidi_streaming',
  responseStream: route.method.methodKind === 'server_streaming' || route.method.methodKind === 'bidi_streaming',
});

/** The request of `route` with its target field set to `value`, and the path a violation names it by. */
function build(route: Route, value: unknown): { bytes: Uint8Array; path: string } {
  const root = create(route.method.input) as unknown as Record<string, unknown>;
  let current = root;
  const path: string[] = [];
  const set = (target: Record<string, unknown>, field: DescField, v: unknown) => {
    if (field.oneof) target[field.oneof.localName] = { case: field.localName, value: v };
    else target[field.localName] = v;
  };
  route.steps.forEach((field, i) => {
    if (i === route.steps.length - 1) {
      set(current, field, value);
      path.push(field.name);
      return;
    }
    const child = create(field.message!) as unknown as Record<string, unknown>;
    if (field.fieldKind === 'list') {
      set(current, field, [child]);
      path.push(`${field.name}[0]`);
    } else if (field.fieldKind === 'map') {
      set(current, field, { k: child });
      path.push(`${field.name}.k`);
    } else {
      set(current, field, child);
      path.push(field.name);
    }
    current = child;
  });
  return { bytes: toBinary(route.method.input, root as unknown as Message), path: path.join('.') };
}

/** `n` entries for a repeated or map field. */
function entries(field: DescField, n: number): unknown {
  if (field.fieldKind === 'map') {
    const value = field.mapKind === 'message' ? () => create(field.message) : field.mapKind === 'enum' ? () => 0 : () => (field.scalar === ScalarType.STRING ? '' : 0);
    return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value()]));
  }
  if (field.fieldKind !== 'list') throw new Error(`${field.name} is not repeated`);
  if (field.listKind === 'message') return Array.from({ length: n }, () => create(field.message));
  if (field.listKind === 'enum') return Array.from({ length: n }, () => 1);
  return Array.from({ length: n }, (_, i) => (field.scalar === ScalarType.STRING ? `s${i}` : 0));
}

const hits = (outcome: RawOutcome, path: string, description: RegExp) =>
  outcome.code === status.INVALID_ARGUMENT && (outcome.details.fieldViolations ?? []).some((v) => v.field === path && description.test(v.description));

const database = TEST_DATABASES[0]!;

describe(`request guard on ${database}`, () => {
  let controller: TestController;
  let client: SlipstreamClient;
  let runs: TestRuns;
  let runId: string;
  let credentials: string[];
  let nextCredential = 0;

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    runs = new TestRuns(client);
    runId = await launchWaitingRun(client, runs, 'guard/app', 30);
    credentials = await Promise.all(Array.from({ length: 30 }, (_, i) => grantAgentCredential(controller, runId, `node.${i + 1}`)));
  }, 120_000);

  afterAll(async () => {
    await runs?.terminateAll();
    client?.close();
    await controller?.stop();
  });

  /** Sends one request the way its service is called: user methods with the admin token, the agent's Session as an agent that asks for a parameter after it. */
  async function send(route: Route, bytes: Uint8Array): Promise<RawOutcome> {
    const method = rawMethod(route);
    if (!isAgent(route.service)) return rawRequest(controller.address, method, bytes, bearer(controller.adminToken));
    const call = rawCall(controller.address, method, bearer(credentials[nextCredential++ % credentials.length]));
    call.write(bytes);
    if (route.method.name !== 'Session') {
      call.end();
      return call.ended;
    }
    // A session stays open: ask for a parameter after the message; an answer means the message was taken.
    call.write(SessionRequest.encode({ message: { $case: 'parameterGet', value: { requestId: 'after', key: 'node.1:note', wait: false, timeoutMs: 0 } } }).finish());
    const first = await call.firstResponse();
    call.cancel();
    if (!Buffer.isBuffer(first)) return first;
    expect(SessionResponse.decode(first).message?.$case).toBe('parameter');
    return { code: status.OK, message: '', details: {}, responses: [first] };
  }

  describe('entry limits, from the table', () => {
    const limited = routes().filter((r) => ENTRY_LIMITS[fullName(r)] !== undefined);
    const firstRoute = new Map<string, Route>();
    for (const route of limited) if (!firstRoute.has(fullName(route))) firstRoute.set(fullName(route), route);

    it('reach every entry of the table', () => {
      expect([...firstRoute.keys()].sort()).toEqual(Object.keys(ENTRY_LIMITS).sort());
    });

    it.each([...firstRoute.entries()])('%s: the biggest legal size passes, the next is INVALID_ARGUMENT naming the field', async (name, route) => {
      const limit = ENTRY_LIMITS[name]!;
      const field = route.steps.at(-1)!;
      const legal = build(route, entries(field, limit));
      const atLimit = await send(route, legal.bytes);
      expect(hits(atLimit, legal.path, /entries/), `${legal.path} at ${limit}: ${JSON.stringify(atLimit.details.fieldViolations?.slice(0, 3))}`).toBe(false);
      expect(atLimit.code).not.toBe(status.INTERNAL);
      const illegal = build(route, entries(field, limit + 1));
      const over = await send(route, illegal.bytes);
      expect(over.code, over.message).toBe(status.INVALID_ARGUMENT);
      expect(over.details.fieldViolations).toContainEqual({ field: illegal.path, description: `at most ${limit} entries, got ${limit + 1}` });
    });
  });

  describe('string limits', () => {
    const stringRoutes = routes().filter((r) => r.steps.at(-1)!.scalar === ScalarType.STRING && !isAgent(r.service));
    const cases = new Map<string, Route>();
    for (const route of stringRoutes) if (STRING_BYTE_LIMITS[fullName(route)] !== undefined && !cases.has(fullName(route))) cases.set(fullName(route), route);
    const getRun = stringRoutes.find((r) => fullName(r) === 'slipstream.v1.GetRunRequest.id')!;

    it('reach every entry of the table', () => {
      expect([...cases.keys()].sort()).toEqual(Object.keys(STRING_BYTE_LIMITS).sort());
    });

    it.each([...cases.entries(), ['the default (GetRunRequest.id)', getRun] as const])('%s: the biggest legal string passes, one byte more is INVALID_ARGUMENT', async (name, route) => {
      const limit = STRING_BYTE_LIMITS[name] ?? DEFAULT_STRING_BYTES;
      const field = route.steps.at(-1)!;
      const value = (bytes: number) => {
        const text = 'x'.repeat(bytes);
        if (field.fieldKind === 'list') return [text];
        if (field.fieldKind === 'map') return { k: text };
        return text;
      };
      const suffix = field.fieldKind === 'list' ? '[0]' : field.fieldKind === 'map' ? '.k' : '';
      const legal = build(route, value(limit));
      const atLimit = await send(route, legal.bytes);
      expect(hits(atLimit, legal.path + suffix, /bytes of UTF-8/)).toBe(false);
      const over = await send(route, build(route, value(limit + 1)).bytes);
      expect(over.details.fieldViolations).toContainEqual({ field: legal.path + suffix, description: `at most ${limit} bytes of UTF-8, got ${limit + 1}` });
    });
  });

  describe('NUL characters', () => {
    const byField = new Map<string, Route>();
    for (const route of routes()) {
      const field = route.steps.at(-1)!;
      const text = field.scalar === ScalarType.STRING || (field.fieldKind === 'map' && field.mapKey === ScalarType.STRING);
      if (text && !isAgent(route.service) && !byField.has(`${route.method.name} ${fullName(route)}`)) byField.set(`${route.method.name} ${fullName(route)}`, route);
    }

    it.each([...byField.entries()])('%s: a NUL is INVALID_ARGUMENT naming the field', async (_, route) => {
      const field = route.steps.at(-1)!;
      const [value, suffix, description] =
        field.fieldKind === 'map' && field.mapKey === ScalarType.STRING && field.scalar !== ScalarType.STRING
          ? [{ 'k\0': field.mapKind === 'message' ? create(field.message) : 0 }, '["k\\u0000"]', 'key: must not contain NUL (U+0000) characters']
          : field.fieldKind === 'map'
            ? [{ k: 'a\0b' }, '.k', 'must not contain NUL (U+0000) characters']
            : field.fieldKind === 'list'
              ? [['a\0b'], '[0]', 'must not contain NUL (U+0000) characters']
              : ['a\0b', '', 'must not contain NUL (U+0000) characters'];
      const { bytes, path } = build(route, value);
      const outcome = await send(route, bytes);
      expect(outcome.code, outcome.message).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details.fieldViolations).toContainEqual({ field: path + suffix, description });
    });
  });

  describe('bytes that are not protobuf', () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0x01]); // field 1, a length far past the end
    const route = (service: string, name: string): Route => {
      const s = registry.getService(service)!;
      return { service: s, method: s.methods.find((m) => m.name === name)!, steps: [] };
    };

    it.each([
      ['a unary call', route('slipstream.v1.RunService', 'GetRun')],
      ['a server stream', route('slipstream.v1.RunService', 'WatchRun')],
      ['a call nobody authenticated (Enroll)', route('slipstream.v1.AgentService', 'Enroll')],
      ['the health check', route('grpc.health.v1.Health', 'Check')],
    ])('are INVALID_ARGUMENT on %s', async (_, r) => {
      const outcome = await rawRequest(controller.address, rawMethod(r), garbage, bearer(controller.adminToken));
      expect(outcome.code, outcome.message).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details.fieldViolations?.[0]?.description).toMatch(/is not a valid .* message/);
    });

    it.each([
      ['an agent session (bidirectional)', route('slipstream.v1.AgentService', 'Session')],
      ['a report upload (client stream)', route('slipstream.v1.AgentService', 'UploadReport')],
    ])('are INVALID_ARGUMENT on %s, after good messages too', async (_, r) => {
      const call = rawCall(controller.address, rawMethod(r), bearer(credentials[nextCredential++ % credentials.length]));
      if (r.method.name === 'Session') {
        call.write(SessionRequest.encode({ message: { $case: 'parameterGet', value: { requestId: 'first', key: 'node.1:note', wait: false, timeoutMs: 0 } } }).finish());
        expect(Buffer.isBuffer(await call.firstResponse())).toBe(true);
      }
      call.write(garbage);
      const outcome = await call.ended;
      expect(outcome.code, outcome.message).toBe(status.INVALID_ARGUMENT);
    });

    it('leave nothing logged as an unexpected error', () => {
      const unexpected = controller.logs.filter((l) => l.msg === 'unexpected error');
      expect(unexpected.map((l) => JSON.stringify(l).slice(0, 500))).toEqual([]);
    });
  });

  describe('errors with thousands of violations', () => {
    it('reach the client whole: the first 100, a count of the rest, a short message (a launch with 1,000 unknown parameters)', async () => {
      const parameters = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`node:unknown_${i}`, 'x']));
      const err = await runs.launch('guard/app', { parameters }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      const invalid = err as InvalidArgumentError;
      expect(invalid.violationCount).toBe(1000);
      expect(invalid.violations).toHaveLength(MAX_REPORTED_VIOLATIONS + 1);
      expect(invalid.violations[0]!.field).toBe('parameters.node:unknown_0');
      expect(invalid.violations.at(-1)).toEqual({ field: '', description: 'and 900 more violations not listed (1000 in all)' });
      expect(invalid.message.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
    });

    it('reach the client whole from module validation (a component with 400 broken parameters)', async () => {
      const parameters = Array.from({ length: 400 }, (_, i) => ({ name: `p${i}`, category: 'input' as const, type: 'int' as const, default: `not-a-number-${i}` }));
      const err = await client.modules.save({ kind: 'component', path: 'guard/broken', images: {}, resources: {}, recipes: {}, parameters }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      const invalid = err as InvalidArgumentError;
      expect(invalid.violationCount).toBe(401);
      expect(invalid.violations).toHaveLength(MAX_REPORTED_VIOLATIONS + 1);
      expect(invalid.violations[0]).toEqual({ field: 'parameters', description: 'must have at most 200 parameters (got 400)' });
    });
  });
});
