/**
 * The gcp driver's one place for turning Compute failures into
 * ConnectorErrors. They come in several shapes: a GaxiosError (HTTP status;
 * through the REST fallback its message is the JSON error body), a
 * GoogleError (gRPC code, reason), a token endpoint refusal (OAuth `error`),
 * a network failure (errno code), and a zone operation that ended DONE with
 * `error.errors[].code`. Each is read into {@link GcpErrorFacts}, then
 * classified by reason, then status, then code.
 */
import type { protos } from '@google-cloud/compute';
import { ConnectorError, type ConnectorErrorKind } from '../connector.js';

type Operation = protos.google.cloud.compute.v1.IOperation;

/** What a failed call says, whatever shape it came in. */
export interface GcpErrorFacts {
  /** HTTP status of the answer. */
  httpStatus: number | undefined;
  /** gRPC status code (GoogleError), when there is no HTTP status. */
  grpcCode: number | undefined;
  /** `status` of a new-style error body: `RESOURCE_EXHAUSTED`, `PERMISSION_DENIED`, ... */
  status: string | undefined;
  /** `errors[].reason`, `errors[].code` (operations), ErrorInfo reasons: `quotaExceeded`, `ZONE_RESOURCE_POOL_EXHAUSTED`, ... */
  reasons: string[];
  /** The OAuth `error` of a token endpoint refusal (`invalid_grant`, ...). */
  oauthError: string | undefined;
  /** errno / DOMException name of a failure to talk at all (`ECONNREFUSED`, `TimeoutError`). */
  networkCode: string | undefined;
  message: string;
  /** Retry-After, when the answer carried one. */
  retryAfterMs: number | undefined;
}

/** Reasons and codes, compared lowercased without `_` so `rateLimitExceeded` = `RATE_LIMIT_EXCEEDED`. */
const REASON_KINDS: ReadonlyArray<[ConnectorErrorKind, readonly string[]]> = [
  ['capacity', ['zoneresourcepoolexhausted', 'zoneresourcepoolexhaustedwithdetails', 'resourceavailability', 'stockout']],
  ['quota', ['quotaexceeded', 'limitexceeded', 'dailylimitexceeded']],
  ['transient', ['ratelimitexceeded', 'userratelimitexceeded', 'resourceoperationrateexceeded', 'backenderror', 'internalerror', 'resourcenotready', 'resourceinusebyanotherresource']],
  ['auth', ['autherror', 'forbidden', 'insufficientpermissions', 'accessnotconfigured', 'servicedisabled', 'permissionserror', 'permissiondenied', 'iampermissiondenied', 'missingcredentials']],
  ['not_found', ['notfound', 'resourcenotfound']],
  ['invalid', ['invalid', 'invalidparameter', 'required', 'badrequest', 'invalidfieldvalue', 'requiredfieldmissing', 'conditionnotmet', 'invalidusage', 'alreadyexists', 'resourcealreadyexists', 'unsupportedoperation']],
];

const STATUS_KINDS: Readonly<Record<string, ConnectorErrorKind>> = {
  INVALID_ARGUMENT: 'invalid',
  FAILED_PRECONDITION: 'invalid',
  OUT_OF_RANGE: 'invalid',
  ALREADY_EXISTS: 'invalid',
  UNIMPLEMENTED: 'invalid',
  NOT_FOUND: 'not_found',
  PERMISSION_DENIED: 'auth',
  UNAUTHENTICATED: 'auth',
  RESOURCE_EXHAUSTED: 'transient',
  UNAVAILABLE: 'transient',
  DEADLINE_EXCEEDED: 'transient',
  ABORTED: 'transient',
  INTERNAL: 'transient',
  UNKNOWN: 'transient',
  CANCELLED: 'transient',
  DATA_LOSS: 'transient',
};

/** gRPC codes by number (google.rpc.Code). */
const GRPC_STATUS = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/** errno codes, undici codes and the DOMException names fetch fails with. */
const NETWORK_CODE = /^(E[A-Z0-9]+|UND_ERR_[A-Z_]+|AbortError|TimeoutError)$/;

/** OAuth errors of a token endpoint that retrying will not fix. */
const OAUTH_AUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'access_denied', 'invalid_scope', 'invalid_request']);

/** Reads any thrown value into {@link GcpErrorFacts}. */
export function gcpErrorFacts(err: unknown): GcpErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const response = asRecord(e.response);
  const rawMessage = typeof e.message === 'string' ? e.message : String(err);
  // The REST fallback reads error bodies as a stream, so gaxios puts the body text in the message.
  const body = asRecord(response?.data) ?? parseJsonObject(rawMessage);
  const bodyError = asRecord(body?.error);
  const reasons: string[] = [];
  const collect = (list: unknown, ...keys: string[]) => {
    if (!Array.isArray(list)) return;
    for (const item of list) for (const key of keys) if (typeof asRecord(item)?.[key] === 'string') reasons.push(asRecord(item)![key] as string);
  };
  collect(bodyError?.errors, 'reason');
  collect(bodyError?.details, 'reason');
  collect(e.errors, 'reason', 'code');
  collect(e.statusDetails, 'reason');
  if (typeof e.reason === 'string') reasons.push(e.reason);
  const stringCode = typeof e.code === 'string' ? e.code : undefined;
  // A string code is an errno (`ECONNRESET`) or a library's reason (gtoken's `MISSING_CREDENTIALS`).
  const errno = stringCode !== undefined && NETWORK_CODE.test(stringCode) ? stringCode : undefined;
  if (stringCode !== undefined && errno === undefined) reasons.push(stringCode);

  const numericCode = typeof e.code === 'number' ? e.code : undefined;
  const httpStatus = numberIn(e.status, 100, 599) ?? numberIn(response?.status, 100, 599) ?? numberIn(numericCode, 100, 599) ?? numberIn(bodyError?.code, 100, 599);
  const grpcCode = httpStatus === undefined ? numberIn(numericCode, 0, 16) : undefined;
  const oauthError = typeof bodyError === 'undefined' && typeof body?.error === 'string' ? body.error : undefined;
  const networkCode = errno ?? errnoOf(e.error ?? e.cause);
  const message =
    (typeof bodyError?.message === 'string' ? bodyError.message : undefined) ??
    (oauthError !== undefined && typeof body?.error_description === 'string' ? `${oauthError}: ${body.error_description}` : undefined) ??
    rawMessage;
  return {
    httpStatus,
    grpcCode,
    status: typeof bodyError?.status === 'string' ? bodyError.status : grpcCode !== undefined ? GRPC_STATUS[grpcCode] : undefined,
    reasons,
    oauthError,
    networkCode: httpStatus === undefined ? networkCode : undefined,
    message,
    retryAfterMs: retryAfter(response?.headers),
  };
}

/** The kind a failure is of (see the file comment for the order of evidence). */
export function classifyGcpError(facts: GcpErrorFacts): ConnectorErrorKind {
  const reasons = new Set(facts.reasons.map(normalize));
  for (const [kind, names] of REASON_KINDS) if (names.some((n) => reasons.has(n))) return kind;
  if (facts.oauthError !== undefined) return OAUTH_AUTH_ERRORS.has(facts.oauthError) ? 'auth' : 'transient';
  const byStatus = facts.status === undefined ? undefined : STATUS_KINDS[facts.status];
  if (byStatus) return byStatus;
  const http = facts.httpStatus;
  if (http !== undefined) {
    if (http === 401 || http === 403) return 'auth';
    if (http === 404 || http === 410) return 'not_found';
    if (http === 408 || http === 429 || http >= 500) return 'transient';
    return 'invalid';
  }
  return 'transient'; // network failures, timeouts and anything unrecognized: the same call may work later
}

/** Wraps any failure of `action` (`insert instance ss-...`) as a ConnectorError. */
export function toConnectorError(err: unknown, action: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const facts = gcpErrorFacts(err);
  return make(classifyGcpError(facts), facts, action, err);
}

/** The failure of a zone operation that ended DONE with errors, or undefined when it succeeded. */
export function operationFailure(operation: Operation, action: string): ConnectorError | undefined {
  const errors = operation.error?.errors ?? [];
  if (errors.length === 0) return undefined;
  const facts: GcpErrorFacts = {
    httpStatus: numberIn(operation.httpErrorStatusCode, 100, 599),
    grpcCode: undefined,
    status: undefined,
    reasons: errors.map((e) => e.code ?? '').filter((c) => c !== ''),
    oauthError: undefined,
    networkCode: undefined,
    message: errors.map((e) => (e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? ''))).join('; '),
    retryAfterMs: undefined,
  };
  return make(classifyGcpError(facts), facts, action, operation.error);
}

/** True when the failure says the resource does not exist. */
export function isNotFound(err: unknown): boolean {
  if (err instanceof ConnectorError) return err.kind === 'not_found';
  return classifyGcpError(gcpErrorFacts(err)) === 'not_found';
}

/** True when the failure says the resource exists already (HTTP 409 `alreadyExists`, operation `RESOURCE_ALREADY_EXISTS`). */
export function isAlreadyExists(err: unknown): boolean {
  const facts = gcpErrorFacts(err);
  const reasons = new Set(facts.reasons.map(normalize));
  return facts.httpStatus === 409 || facts.status === 'ALREADY_EXISTS' || reasons.has('alreadyexists') || reasons.has('resourcealreadyexists');
}

function make(kind: ConnectorErrorKind, facts: GcpErrorFacts, action: string, cause: unknown): ConnectorError {
  const detail = facts.networkCode && !facts.message.includes(facts.networkCode) ? `${facts.networkCode}: ${facts.message}` : facts.message;
  return new ConnectorError(kind, `gcp: ${action}: ${detail}`, {
    cause: withoutRequest(cause),
    ...(facts.retryAfterMs !== undefined ? { retryAfterMs: facts.retryAfterMs } : {}),
  });
}

/**
 * The failure without the request it carried: a GaxiosError keeps its
 * request (`config`), whose body holds the user-data with the VM's bootstrap
 * token, and loggers serialize causes with all their fields.
 */
function withoutRequest(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const copy = new Error(cause.message);
  copy.name = cause.name;
  copy.stack = cause.stack;
  const source = cause as unknown as Record<string, unknown>;
  for (const key of ['code', 'status', 'reason'] as const) if (source[key] !== undefined) (copy as unknown as Record<string, unknown>)[key] = source[key];
  return copy;
}

function normalize(reason: string): string {
  return reason.toLowerCase().replace(/_/g, '');
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function numberIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function errnoOf(cause: unknown, depth = 0): string | undefined {
  const record = asRecord(cause);
  if (!record || depth > 5) return undefined;
  if (typeof record.code === 'string' && NETWORK_CODE.test(record.code)) return record.code;
  if (typeof record.name === 'string' && NETWORK_CODE.test(record.name)) return record.name;
  return errnoOf(record.cause, depth + 1);
}

/** Retry-After (seconds or an HTTP date) from fetch Headers or a plain object, in milliseconds. */
function retryAfter(headers: unknown): number | undefined {
  let value: unknown;
  if (headers && typeof (headers as Headers).get === 'function') value = (headers as Headers).get('retry-after');
  else value = asRecord(headers)?.['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
