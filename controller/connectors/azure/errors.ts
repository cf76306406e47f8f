/**
 * The azure driver's one place for Azure SDK errors: ARM error codes and HTTP
 * statuses (RestError), credential errors (@azure/identity) and failed
 * long-running operations become ConnectorErrors. Codes win over statuses:
 * a 404 `ResourceGroupNotFound` is a configuration problem, not a missing VM.
 */
import type { AuthenticationError } from '@azure/identity';
import { ConnectorError, type ConnectorErrorKind } from '../connector.js';

/**
 * @azure/identity's errors, told by `name` as that library documents
 * (`AuthenticationErrorName`, ...): `instanceof` would import the SDK, which
 * is loaded only when a connector first calls Azure (clients.ts).
 */
const SIGN_IN_ERROR = 'AuthenticationError';
const CREDENTIAL_ERRORS = new Set(['AuthenticationRequiredError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);

function isSignInError(err: unknown): err is AuthenticationError {
  return err instanceof Error && err.name === SIGN_IN_ERROR && typeof (err as Partial<AuthenticationError>).statusCode === 'number';
}

/**
 * A long-running operation that ended `Failed`: raised from the operation
 * status body by {@link failedOperationPolicy}, so its ARM code (say
 * `AllocationFailed`) survives instead of becoming the SDK's plain-text Error.
 */
export class AzureOperationFailedError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AzureOperationFailedError';
    this.code = code;
  }
}

const CODE_KINDS: Record<string, ConnectorErrorKind> = Object.fromEntries(
  (
    [
      ['auth', ['AuthorizationFailed', 'InvalidAuthenticationToken', 'InvalidAuthenticationTokenTenant', 'InvalidAuthenticationTokenAudience',
        'ExpiredAuthenticationToken', 'AuthenticationFailed', 'LinkedAuthorizationFailed']],
      ['quota', ['QuotaExceeded', 'OperationNotAllowed', 'ResourceQuotaExceeded', 'SubscriptionQuotaExceeded']],
      ['capacity', ['SkuNotAvailable', 'AllocationFailed', 'ZonalAllocationFailed', 'OverconstrainedAllocationRequest',
        'OverconstrainedZonalAllocationRequest', 'AllocationTimedOut']],
      ['not_found', ['ResourceNotFound', 'NotFound']],
      ['invalid', ['InvalidParameter', 'BadRequest', 'InvalidRequestContent', 'InvalidRequestFormat', 'InvalidResourceReference',
        'LinkedInvalidPropertyId', 'InvalidResourceName', 'PlatformImageNotFound', 'ImageNotFound', 'PropertyChangeNotAllowed',
        'ResourceGroupNotFound', 'SubscriptionNotFound', 'InvalidSubscriptionId', 'NicInUse', 'InUseSubnetCannotBeDeleted',
        'MissingSubscriptionRegistration',
        // The endpoint's certificate is not trusted: a wrong endpoint or missing CA, which a retry does not fix.
        'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']],
      ['transient', ['TooManyRequests', 'SubscriptionRequestsThrottled', 'RetryableError', 'InternalServerError',
        'InternalExecutionError', 'ServerTimeout', 'GatewayTimeout', 'ServiceUnavailable', 'Conflict', 'AnotherOperationInProgress',
        'REQUEST_SEND_ERROR', 'PARSE_ERROR']],
    ] as Array<[ConnectorErrorKind, string[]]>
  ).flatMap(([kind, codes]) => codes.map((code) => [code.toLowerCase(), kind])),
);

/** The kind an ARM error code and HTTP status stand for (the code first). */
export function azureErrorKind(code: string | undefined, status: number | undefined): ConnectorErrorKind {
  const byCode = code === undefined ? undefined : CODE_KINDS[code.toLowerCase()];
  if (byCode) return byCode;
  if (status === undefined) return 'transient';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 409 || status === 429 || status >= 500) return 'transient';
  if (status >= 400) return 'invalid';
  return 'transient';
}

/** Wraps `err` from the Azure SDK as a ConnectorError saying what `action` failed. */
export function toConnectorError(err: unknown, action: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (isSignInError(err)) {
    const kind = err.statusCode >= 500 ? 'transient' : 'auth';
    return new ConnectorError(kind, `azure: ${action}: sign-in failed (${err.statusCode}): ${err.errorResponse.error}`, { cause: err });
  }
  // A rejected client secret surfaces as AuthenticationRequiredError (MSAL's invalid_client).
  if (err instanceof Error && CREDENTIAL_ERRORS.has(err.name)) {
    return new ConnectorError('auth', `azure: ${action}: ${err.message}`, { cause: err });
  }
  const facts = restErrorFacts(err);
  const kind = azureErrorKind(facts.code, facts.status);
  const label = [facts.status, facts.code].filter((x) => x !== undefined).join(' ');
  const reason = err instanceof Error ? err.message : String(err);
  return new ConnectorError(kind, `azure: ${action}: ${label ? `${label}: ` : ''}${reason}`, {
    cause: err,
    ...(facts.retryAfterMs !== undefined && { retryAfterMs: facts.retryAfterMs }),
  });
}

/** True when `err` (SDK or ConnectorError) says the resource does not exist. */
export function isNotFound(err: unknown): boolean {
  return toConnectorError(err, 'probe').kind === 'not_found';
}

interface RestErrorFacts {
  code: string | undefined;
  status: number | undefined;
  retryAfterMs: number | undefined;
}

/** Code, status and retry hint of a RestError (either SDK generation's) or a Node network error. */
function restErrorFacts(err: unknown): RestErrorFacts {
  if (typeof err !== 'object' || err === null) return { code: undefined, status: undefined, retryAfterMs: undefined };
  const e = err as { code?: unknown; statusCode?: unknown; response?: { status?: unknown; headers?: unknown } };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.response?.status === 'number' ? e.response.status : undefined;
  return { code, status, retryAfterMs: retryAfterMs(e.response?.headers) };
}

/** The wait a response asks for: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` (seconds or an HTTP date). */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  const get = headerGetter(headers);
  if (!get) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = get(name);
    if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value.trim());
  }
  const value = get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function headerGetter(headers: unknown): ((name: string) => string | undefined) | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const withGet = headers as { get?: unknown };
  if (typeof withGet.get === 'function') {
    const get = withGet.get as (name: string) => string | undefined;
    return (name) => get.call(headers, name) ?? undefined;
  }
  const record = headers as Record<string, unknown>;
  return (name) => {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : record[key];
    return typeof value === 'string' ? value : undefined;
  };
}

/** The parts of a pipeline policy this driver uses (structurally both SDK generations' PipelinePolicy). */
interface PolicyRequest {
  method: string;
}
interface PolicyResponse {
  status: number;
  bodyAsText?: string | null;
}

/**
 * A pipeline policy that turns an operation-status response saying `Failed`
 * (`{"status":"Failed","error":{"code":...}}`) into an
 * {@link AzureOperationFailedError} carrying the ARM code.
 */
export function failedOperationPolicy<Req extends PolicyRequest, Res extends PolicyResponse>(): {
  name: string;
  sendRequest(request: Req, next: (request: Req) => Promise<Res>): Promise<Res>;
} {
  return {
    name: 'slipstreamFailedOperationPolicy',
    async sendRequest(request, next) {
      const response = await next(request);
      if (request.method === 'GET' && response.status === 200) {
        const failure = operationFailure(response.bodyAsText);
        if (failure) throw new AzureOperationFailedError(failure.code, failure.message);
      }
      return response;
    },
  };
}

/** The error of an operation-status body that says Failed (or Canceled), if this is one. */
export function operationFailure(body: string | null | undefined): { code: string; message: string } | undefined {
  if (!body || body.length > 1_000_000 || !body.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const { status, error } = (parsed ?? {}) as { status?: unknown; error?: { code?: unknown; message?: unknown } };
  if (typeof status !== 'string' || !['failed', 'canceled', 'cancelled'].includes(status.toLowerCase())) return undefined;
  const code = typeof error?.code === 'string' ? error.code : status.toLowerCase() === 'failed' ? 'OperationFailed' : 'OperationCanceled';
  const message = typeof error?.message === 'string' ? error.message : `the operation ended ${status}`;
  return { code, message };
}
