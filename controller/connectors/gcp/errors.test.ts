import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorErrorKind } from '../connector.js';
import { isAlreadyExists, isNotFound, operationFailure, toConnectorError } from './errors.js';

/**
 * A failed call as the REST fallback delivers it (seen against a local
 * server): a GaxiosError whose message is the JSON error body.
 */
function httpError(status: number, reason?: string, message = 'api says no', extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const body = { error: { code: status, message, ...(reason ? { errors: [{ message, domain: 'global', reason }] } : {}), ...extra } };
  return Object.assign(new Error(JSON.stringify(body)), { name: 'GaxiosError', status, code: status, response: { status, headers: new Headers(headers) } });
}

/** A GoogleError: gRPC status code, maybe a reason. */
function grpcError(code: number, reason?: string) {
  return Object.assign(new Error('rpc failed'), { name: 'GoogleError', code, ...(reason ? { reason } : {}) });
}

/** A refusal of the OAuth token endpoint (gtoken rewrites the message). */
function tokenError(status: number, error: string) {
  return Object.assign(new Error(`${error}: Invalid JWT Signature.`), {
    name: 'GaxiosError',
    status,
    code: status,
    response: { status, headers: new Headers(), data: { error, error_description: 'Invalid JWT Signature.' } },
  });
}

function networkError(code: string) {
  const cause = Object.assign(new Error('connect failed'), { code });
  return Object.assign(new Error(`request to http://127.0.0.1:1/x failed, reason: ${code}`), { name: 'GaxiosError', code, error: cause });
}

type Row = [what: string, err: unknown, kind: ConnectorErrorKind, retryable: boolean];

const ROWS: Row[] = [
  ['401 authError', httpError(401, 'authError'), 'auth', false],
  ['403 forbidden', httpError(403, 'forbidden'), 'auth', false],
  ['403 insufficientPermissions', httpError(403, 'insufficientPermissions'), 'auth', false],
  ['403 accessNotConfigured (API disabled)', httpError(403, 'accessNotConfigured'), 'auth', false],
  ['403 without a reason', httpError(403), 'auth', false],
  ['403 quotaExceeded', httpError(403, 'quotaExceeded'), 'quota', false],
  ['403 rateLimitExceeded', httpError(403, 'rateLimitExceeded'), 'transient', true],
  ['403 userRateLimitExceeded', httpError(403, 'userRateLimitExceeded'), 'transient', true],
  ['429 rateLimitExceeded', httpError(429, 'rateLimitExceeded'), 'transient', true],
  ['429 status RESOURCE_EXHAUSTED', httpError(429, undefined, 'slow down', { status: 'RESOURCE_EXHAUSTED' }), 'transient', true],
  ['429 without a body', Object.assign(new Error('Too Many Requests'), { status: 429 }), 'transient', true],
  ['404 notFound', httpError(404, 'notFound'), 'not_found', false],
  ['400 invalid', httpError(400, 'invalid'), 'invalid', false],
  ['400 required', httpError(400, 'required'), 'invalid', false],
  ['400 resourceNotReady', httpError(400, 'resourceNotReady'), 'transient', true],
  ['409 alreadyExists', httpError(409, 'alreadyExists'), 'invalid', false],
  ['412 conditionNotMet', httpError(412, 'conditionNotMet'), 'invalid', false],
  ['500 backendError', httpError(500, 'backendError'), 'transient', true],
  ['502 without a reason', httpError(502), 'transient', true],
  ['503 with ZONE_RESOURCE_POOL_EXHAUSTED', httpError(503, 'ZONE_RESOURCE_POOL_EXHAUSTED'), 'capacity', true],
  ['ErrorInfo reason resource_availability', httpError(503, undefined, 'stockout', { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'resource_availability' }] }), 'capacity', true],
  ['gRPC UNAVAILABLE', grpcError(14), 'transient', true],
  ['gRPC DEADLINE_EXCEEDED (gax timeout)', grpcError(4), 'transient', true],
  ['gRPC RESOURCE_EXHAUSTED', grpcError(8), 'transient', true],
  ['gRPC RESOURCE_EXHAUSTED with QUOTA_EXCEEDED', grpcError(8, 'QUOTA_EXCEEDED'), 'quota', false],
  ['gRPC PERMISSION_DENIED', grpcError(7), 'auth', false],
  ['gRPC UNAUTHENTICATED', grpcError(16), 'auth', false],
  ['gRPC NOT_FOUND', grpcError(5), 'not_found', false],
  ['gRPC INVALID_ARGUMENT', grpcError(3), 'invalid', false],
  ['connection refused', networkError('ECONNREFUSED'), 'transient', true],
  ['connection reset', networkError('ECONNRESET'), 'transient', true],
  ['DNS failure', networkError('EAI_AGAIN'), 'transient', true],
  ['fetch timeout', Object.assign(new Error('timed out'), { cause: new DOMException('timed out', 'TimeoutError') }), 'transient', true],
  ['token endpoint invalid_grant', tokenError(400, 'invalid_grant'), 'auth', false],
  ['token endpoint unavailable', tokenError(503, 'temporarily_unavailable'), 'transient', true],
  ['gtoken MISSING_CREDENTIALS', Object.assign(new Error('private_key and client_email are required.'), { code: 'MISSING_CREDENTIALS' }), 'auth', false],
  ['anything else', new TypeError('boom'), 'transient', true],
  ['a string', 'boom', 'transient', true],
];

describe('gcp errors: API failures', () => {
  it.each(ROWS)('%s -> %s', (_what, err, kind, retryable) => {
    const mapped = toConnectorError(err, 'insert instance ss-0');
    expect(mapped).toBeInstanceOf(ConnectorError);
    expect({ kind: mapped.kind, retryable: mapped.retryable }).toEqual({ kind, retryable });
    expect(mapped.message).toMatch(/^gcp: insert instance ss-0: /);
    if (err instanceof Error) expect(mapped.cause).toMatchObject({ name: err.name, message: err.message });
    else expect(mapped.cause).toBe(err);
    expect(mapped.cause).not.toHaveProperty('config');
  });

  it('keeps the request (with its user-data and bootstrap token) out of the cause', () => {
    const err = Object.assign(httpError(400, 'invalid'), { config: { body: '{"metadata":{"items":[{"key":"user-data","value":"sbt_secret"}]}}' } });
    const mapped = toConnectorError(err, 'insert instance ss-0');
    expect(JSON.stringify(pino.stdSerializers.err(mapped))).not.toContain('sbt_secret');
    expect(mapped.cause).toMatchObject({ name: 'GaxiosError', status: 400, code: 400 });
  });

  it('says what the API said, not its JSON', () => {
    expect(toConnectorError(httpError(403, 'quotaExceeded', "Quota 'CPUS' exceeded."), 'insert instance ss-1').message).toBe("gcp: insert instance ss-1: Quota 'CPUS' exceeded.");
    expect(toConnectorError(tokenError(400, 'invalid_grant'), 'get instance ss-1').message).toBe('gcp: get instance ss-1: invalid_grant: Invalid JWT Signature.');
  });

  it('carries Retry-After, in seconds or as a date', () => {
    expect(toConnectorError(httpError(429, 'rateLimitExceeded', 'x', {}, { 'retry-after': '7' }), 'a').retryAfterMs).toBe(7000);
    const later = new Date(Date.now() + 60_000).toUTCString();
    const ms = toConnectorError(httpError(503, undefined, 'x', {}, { 'retry-after': later }), 'a').retryAfterMs!;
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
    expect(toConnectorError(httpError(429, 'rateLimitExceeded'), 'a').retryAfterMs).toBeUndefined();
  });

  it('passes ConnectorErrors through and tells not-found and already-exists apart', () => {
    const own = new ConnectorError('capacity', 'full');
    expect(toConnectorError(own, 'a')).toBe(own);
    expect(isNotFound(httpError(404, 'notFound'))).toBe(true);
    expect(isNotFound(grpcError(5))).toBe(true);
    expect(isNotFound(httpError(403, 'forbidden'))).toBe(false);
    expect(isNotFound(new ConnectorError('not_found', 'gone'))).toBe(true);
    expect(isAlreadyExists(httpError(409, 'alreadyExists'))).toBe(true);
    expect(isAlreadyExists(grpcError(6))).toBe(true);
    expect(isAlreadyExists({ errors: [{ code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' }] })).toBe(true);
    expect(isAlreadyExists(httpError(400, 'invalid'))).toBe(false);
  });
});

type OperationRow = [code: string, httpStatus: number | undefined, kind: ConnectorErrorKind, retryable: boolean];

const OPERATION_ROWS: OperationRow[] = [
  ['ZONE_RESOURCE_POOL_EXHAUSTED', 503, 'capacity', true],
  ['ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS', 503, 'capacity', true],
  ['QUOTA_EXCEEDED', 403, 'quota', false],
  ['RESOURCE_OPERATION_RATE_EXCEEDED', 403, 'transient', true],
  ['RESOURCE_NOT_FOUND', 404, 'not_found', false],
  ['RESOURCE_ALREADY_EXISTS', 409, 'invalid', false],
  ['INVALID_FIELD_VALUE', 400, 'invalid', false],
  ['PERMISSIONS_ERROR', 403, 'auth', false],
  ['INTERNAL_ERROR', 500, 'transient', true],
  ['SOMETHING_NEW', 503, 'transient', true],
  ['SOMETHING_NEW', 400, 'invalid', false],
  ['SOMETHING_NEW', undefined, 'transient', true],
];

describe('gcp errors: operations that ended DONE with errors', () => {
  it.each(OPERATION_ROWS)('%s (HTTP %s) -> %s', (code, httpStatus, kind, retryable) => {
    const failure = operationFailure(
      { name: 'operation-1', status: 'DONE', error: { errors: [{ code, message: 'details' }] }, ...(httpStatus !== undefined ? { httpErrorStatusCode: httpStatus } : {}) },
      'insert instance ss-0',
    );
    expect(failure).toMatchObject({ kind, retryable, message: `gcp: insert instance ss-0: ${code}: details` });
  });

  it('is undefined for an operation that succeeded', () => {
    expect(operationFailure({ name: 'operation-1', status: 'DONE' }, 'a')).toBeUndefined();
    expect(operationFailure({ name: 'operation-1', status: 'DONE', error: { errors: [] } }, 'a')).toBeUndefined();
  });
});
