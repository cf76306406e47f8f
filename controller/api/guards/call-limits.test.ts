import { describe, expect, it } from 'vitest';
import type { Principal } from '../../auth/principal.js';
import { ResourceExhaustedError } from '../../../common/errors.js';
import { contractRegistry } from '../contract-descriptors.js';
import { AGENT_SERVICES } from '../request-limits.js';
import { SERVED } from '../server.js';
import { CallLimits, compileCallLimits, DEFAULT_CALL_LIMITS, MUTATING_METHODS, READ_METHODS, STREAM_RETRY_MS } from './call-limits.js';

const principal = (token: string, tenant = 'acme'): Principal => ({
  tenantId: `tenant-${tenant}`,
  tenantName: tenant,
  operatorTenant: false,
  userId: 'u',
  userName: 'alice',
  role: 'deployer',
  tokenId: `token-${token}`,
  tokenName: token,
});

function refusal(run: () => unknown): ResourceExhaustedError {
  try {
    run();
  } catch (err) {
    if (err instanceof ResourceExhaustedError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('CallLimits', () => {
  it('rate-limits mutating calls per token, naming the limit and when to retry; reads pass', () => {
    let now = 0;
    const limits = new CallLimits(compileCallLimits({ mutationsPerToken: { burst: 2, perSecond: 4 } }), () => now);
    limits.admit(principal('ci'), 'LaunchRun');
    limits.admit(principal('ci'), 'TerminateRun');
    const err = refusal(() => limits.admit(principal('ci'), 'LaunchRun'));
    expect(err.reason).toBe('RATE_LIMITED');
    expect(err.retryAfterMs).toBe(250);
    expect(err.metadata).toMatchObject({ limit: 'mutations_per_token', burst: '2', perSecond: '4' });
    expect(err.message).toMatch(/token 'ci'/);
    for (let i = 0; i < 100; i++) limits.admit(principal('ci'), 'GetRun');
    limits.admit(principal('other'), 'LaunchRun');
    now += 250;
    limits.admit(principal('ci'), 'LaunchRun');
  });

  it('rate-limits a tenant across its tokens, and a refusal takes nothing from either bucket', () => {
    const limits = new CallLimits(compileCallLimits({ mutationsPerToken: { burst: 2, perSecond: 1 }, mutationsPerTenant: { burst: 3, perSecond: 1 } }), () => 0);
    limits.admit(principal('a'), 'SaveModule');
    limits.admit(principal('b'), 'SaveModule');
    limits.admit(principal('c'), 'SaveModule');
    const err = refusal(() => limits.admit(principal('a'), 'SaveModule'));
    expect(err.metadata.limit).toBe('mutations_per_tenant');
    expect(err.message).toMatch(/tenant 'acme'/);
    limits.admit(principal('x', 'other-tenant'), 'SaveModule');
    limits.admit(principal('x', 'other-tenant'), 'SaveModule');
    expect(refusal(() => limits.admit(principal('x', 'other-tenant'), 'SaveModule')).metadata.limit).toBe('mutations_per_token');
  });

  it('counts open streams per token and per tenant and frees a slot once', () => {
    const limits = new CallLimits(compileCallLimits({ streamsPerToken: 2, streamsPerTenant: 3 }));
    const first = limits.openStream(principal('a'));
    limits.openStream(principal('a'));
    const byToken = refusal(() => limits.openStream(principal('a')));
    expect(byToken).toMatchObject({ reason: 'TOO_MANY_STREAMS', retryAfterMs: STREAM_RETRY_MS, metadata: { limit: 'streams_per_token', max: '2' } });
    limits.openStream(principal('b'));
    expect(refusal(() => limits.openStream(principal('c'))).metadata.limit).toBe('streams_per_tenant');
    first();
    first();
    expect(limits.openStreams('tenant', 'tenant-acme')).toBe(2);
    limits.openStream(principal('c'));
  });

  it('turns a limit off at 0', () => {
    const limits = new CallLimits(compileCallLimits({ streamsPerToken: 0, streamsPerTenant: 0, mutationsPerToken: { burst: 0, perSecond: 0 }, mutationsPerTenant: { burst: 0, perSecond: 0 } }));
    for (let i = 0; i < 1000; i++) {
      limits.openStream(principal('a'));
      limits.admit(principal('a'), 'LaunchRun');
    }
  });
});

describe('compileCallLimits', () => {
  it('fills in the defaults', () => {
    expect(compileCallLimits({})).toEqual(DEFAULT_CALL_LIMITS);
    expect(compileCallLimits({ streamsPerToken: undefined, sessionsPerAgent: 3 })).toEqual({ ...DEFAULT_CALL_LIMITS, sessionsPerAgent: 3 });
  });

  it.each([
    [{ streamsPerToken: -1 }, /max streams per token/],
    [{ streamsPerTenant: 1.5 }, /max streams per tenant/],
    [{ sessionsPerAgent: Number.NaN }, /max sessions per agent/],
    [{ mutationsPerToken: { burst: 10, perSecond: -1 } }, /mutation rate per token/],
    [{ mutationsPerTenant: { burst: 0, perSecond: 5 } }, /mutation burst per tenant: must be at least 1/],
  ])('refuses %j', (input, message) => {
    expect(() => compileCallLimits(input)).toThrow(message);
  });
});

describe('method classes', () => {
  const registry = contractRegistry();
  const userMethods = SERVED.filter((name) => !AGENT_SERVICES.has(name)).flatMap((name) => registry.getService(name)!.methods.map((m) => m.name));

  it('put every user-facing method in exactly one class, mutating or read-only', () => {
    expect(new Set(userMethods).size, 'method names are unique across services').toBe(userMethods.length);
    const unclassified = userMethods.filter((m) => MUTATING_METHODS.has(m) === READ_METHODS.has(m));
    expect(unclassified, 'add these to MUTATING_METHODS or READ_METHODS in controller/api/guards/call-limits.ts').toEqual([]);
    expect([...MUTATING_METHODS, ...READ_METHODS].filter((m) => !userMethods.includes(m))).toEqual([]);
  });
});
