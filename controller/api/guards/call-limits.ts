/**
 * What one API caller may hold or do at once, so that one token (or one
 * tenant's tokens together) cannot take the controller's memory or its
 * database for itself: open server streams (WatchRun, report downloads) per
 * token and per tenant, and a rate of mutating calls per token and per
 * tenant. Agents are counted apart (agent-session-slots.ts): these limits
 * never apply to AgentService, so a tenant at its limits still reaches its
 * own runs' agents. A refusal is RESOURCE_EXHAUSTED with google.rpc.ErrorInfo
 * naming the limit and google.rpc.RetryInfo saying when to retry.
 */
import type { Principal } from '../../auth/principal.js';
import { ResourceExhaustedError } from '../../../common/errors.js';
import { TokenBuckets, type BucketRule } from './token-buckets.js';

/** The limits, as the operator sets them (controller options); 0 turns one off. */
export interface CallLimitOptions {
  /** Server streams one API token may hold open. */
  streamsPerToken: number;
  /** Server streams all the API tokens of one tenant may hold open together. */
  streamsPerTenant: number;
  /** Mutating calls of one API token: at once, and per second after that. */
  mutationsPerToken: BucketRule;
  /** Mutating calls of all the API tokens of one tenant together. */
  mutationsPerTenant: BucketRule;
  /** AgentService Session streams one agent credential may hold open; opening one more ends the oldest. */
  sessionsPerAgent: number;
}

/**
 * The defaults: a CI pipeline never meets them; a catalog push (one save per
 * module, 80 a second here) saves its first 100 modules at once and then 20 a
 * second (the client waits as told); 200 concurrent launches see refusals.
 */
export const DEFAULT_CALL_LIMITS: Readonly<CallLimitOptions> = Object.freeze({
  streamsPerToken: 32,
  streamsPerTenant: 256,
  mutationsPerToken: Object.freeze({ burst: 100, perSecond: 20 }),
  mutationsPerTenant: Object.freeze({ burst: 300, perSecond: 60 }),
  sessionsPerAgent: 2,
});

/** Methods that change state (or, like TestCloud, call out to a cloud): each takes a token from the caller's buckets. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set([
  'LaunchRun',
  'TerminateRun',
  'DeleteRun',
  'AbortRun',
  'ScaleRun',
  'SetRunParameter',
  'SaveModule',
  'DeleteModule',
  'SaveTemplate',
  'BuildImage',
  'DeleteImage',
  'DeleteTemplate',
  'SetModuleTag',
  'DeleteModuleTag',
  'PublishModule',
  'UnpublishModule',
  'CreateTenant',
  'CreateUser',
  'UpdateUser',
  'DeleteUser',
  'CreateToken',
  'RevokeToken',
  'CreateCloud',
  'UpdateCloud',
  'DeleteCloud',
  'TestCloud',
  'SetCredential',
  'DeleteCredential',
  'SetQuota',
]);

/** Methods that only read: not rate-limited (the server streams among them count as streams). */
export const READ_METHODS: ReadonlySet<string> = new Set([
  'GetRun',
  'ListRuns',
  'WatchRun',
  'WatchRuns',
  'GetRunParameter',
  'ListRunParameters',
  'ListRunEvents',
  'ListRunLogs',
  'ListRunReports',
  'DownloadRunReport',
  'GetModule',
  'ListModules',
  'ListModuleVersions',
  'ValidateModule',
  'ResolveModule',
  'ListModuleTags',
  'ListModuleTagHistory',
  'ListPublications',
  'ListSharedModules',
  'GetTenant',
  'ListTenants',
  'WhoAmI',
  'GetUser',
  'ListUsers',
  'ListTokens',
  'GetCloud',
  'ListClouds',
  'ListQuotas',
  'ListControllers',
  'GetUsage',
  'GetTemplate',
  'ListImages',
  'ListTemplates',
  'ListTemplateVersions',
]);

/** How long a caller refused a stream is asked to wait: slots free only when streams close. */
export const STREAM_RETRY_MS = 5_000;

/**
 * Validates and completes operator-given limits.
 *
 * @throws Error naming the limit when a number is negative or not an integer (rates may be fractional).
 */
export function compileCallLimits(input: Partial<CallLimitOptions>): CallLimitOptions {
  const limits = { ...DEFAULT_CALL_LIMITS, ...definedOnly(input) };
  const whole = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: must be a whole number, 0 for no limit (got ${value})`);
  };
  whole('max streams per token', limits.streamsPerToken);
  whole('max streams per tenant', limits.streamsPerTenant);
  whole('max sessions per agent', limits.sessionsPerAgent);
  for (const [name, rule] of [
    ['per token', limits.mutationsPerToken],
    ['per tenant', limits.mutationsPerTenant],
  ] as const) {
    whole(`mutation burst ${name}`, rule.burst);
    if (!Number.isFinite(rule.perSecond) || rule.perSecond < 0) throw new Error(`mutation rate ${name}: must be calls per second, 0 for no limit (got ${rule.perSecond})`);
    if (rule.perSecond > 0 && rule.burst < 1) throw new Error(`mutation burst ${name}: must be at least 1 when the rate is limited`);
  }
  return Object.freeze({ ...limits, mutationsPerToken: Object.freeze({ ...limits.mutationsPerToken }), mutationsPerTenant: Object.freeze({ ...limits.mutationsPerTenant }) });
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The live counts and buckets behind {@link CallLimitOptions}, for one controller. */
export class CallLimits {
  private readonly streams = new Map<string, number>();
  private readonly tokenBuckets: TokenBuckets;
  private readonly tenantBuckets: TokenBuckets;

  constructor(
    readonly options: CallLimitOptions,
    now?: () => number,
  ) {
    this.tokenBuckets = new TokenBuckets(options.mutationsPerToken, now);
    this.tenantBuckets = new TokenBuckets(options.mutationsPerTenant, now);
  }

  /**
   * Lets a call of `method` through, taking a token from the caller's
   * buckets when the method mutates.
   *
   * @throws ResourceExhaustedError (reason `RATE_LIMITED`) when the token's or the tenant's bucket is empty; nothing is taken then.
   */
  admit(principal: Principal, method: string): void {
    if (!MUTATING_METHODS.has(method)) return;
    const byToken = this.tokenBuckets.waitMs(principal.tokenId);
    const byTenant = this.tenantBuckets.waitMs(principal.tenantId);
    if (byToken === 0 && byTenant === 0) {
      this.tokenBuckets.take(principal.tokenId);
      this.tenantBuckets.take(principal.tenantId);
      return;
    }
    const [scope, rule, waitMs] =
      byToken >= byTenant
        ? ([`token '${principal.tokenName}'`, this.options.mutationsPerToken, byToken] as const)
        : ([`tenant '${principal.tenantName}'`, this.options.mutationsPerTenant, byTenant] as const);
    const limit = byToken >= byTenant ? 'mutations_per_token' : 'mutations_per_tenant';
    throw new ResourceExhaustedError(
      `too many changes from ${scope}: at most ${rule.burst} at once and ${rule.perSecond} a second after that`,
      { limit, burst: String(rule.burst), perSecond: String(rule.perSecond) },
      { reason: 'RATE_LIMITED', retryAfterMs: waitMs },
    );
  }

  /**
   * Takes a stream slot of the caller's token and tenant; the returned
   * function gives them back (once, however often it is called).
   *
   * @throws ResourceExhaustedError (reason `TOO_MANY_STREAMS`) when the token or the tenant holds its most.
   */
  openStream(principal: Principal): () => void {
    const tokenKey = `token:${principal.tokenId}`;
    const tenantKey = `tenant:${principal.tenantId}`;
    const refuse = (limit: string, scope: string, max: number) =>
      new ResourceExhaustedError(
        `too many open streams for ${scope}: ${max} are open, the most it may hold; close one (a watch, a download) or retry later`,
        { limit, max: String(max) },
        { reason: 'TOO_MANY_STREAMS', retryAfterMs: STREAM_RETRY_MS },
      );
    const { streamsPerToken, streamsPerTenant } = this.options;
    if (streamsPerToken > 0 && (this.streams.get(tokenKey) ?? 0) >= streamsPerToken) throw refuse('streams_per_token', `token '${principal.tokenName}'`, streamsPerToken);
    if (streamsPerTenant > 0 && (this.streams.get(tenantKey) ?? 0) >= streamsPerTenant) throw refuse('streams_per_tenant', `tenant '${principal.tenantName}'`, streamsPerTenant);
    this.adjust(tokenKey, 1);
    this.adjust(tenantKey, 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.adjust(tokenKey, -1);
      this.adjust(tenantKey, -1);
    };
  }

  /** Streams open under a token or tenant id (for tests). */
  openStreams(scope: 'token' | 'tenant', id: string): number {
    return this.streams.get(`${scope}:${id}`) ?? 0;
  }

  private adjust(key: string, by: number): void {
    const count = (this.streams.get(key) ?? 0) + by;
    if (count <= 0) this.streams.delete(key);
    else this.streams.set(key, count);
  }
}
