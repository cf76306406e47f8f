import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorErrorKind } from '../connector.js';
import { AzureOperationFailedError, azureErrorKind, operationFailure, retryAfterMs, toConnectorError } from './errors.js';

/** An error shaped as both SDK generations' RestError (code, statusCode, response.headers). */
function restError(statusCode: number | undefined, code: string | undefined, headers: Record<string, string> = {}, getter = true): Error {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const response = { status: statusCode ?? -1, headers: getter ? { get: (name: string) => lower[name.toLowerCase()] } : headers };
  return Object.assign(new Error(`server says ${code ?? statusCode}`), { name: 'RestError', code, statusCode, response });
}

describe('azure errors: ARM codes and statuses', () => {
  const table: Array<[code: string | undefined, status: number | undefined, kind: ConnectorErrorKind]> = [
    ['AuthorizationFailed', 403, 'auth'],
    ['InvalidAuthenticationToken', 401, 'auth'],
    ['ExpiredAuthenticationToken', 401, 'auth'],
    [undefined, 401, 'auth'],
    [undefined, 403, 'auth'],
    ['QuotaExceeded', 409, 'quota'],
    ['OperationNotAllowed', 409, 'quota'],
    ['operationnotallowed', 400, 'quota'],
    ['SkuNotAvailable', 409, 'capacity'],
    ['AllocationFailed', 200, 'capacity'],
    ['ZonalAllocationFailed', 409, 'capacity'],
    ['OverconstrainedAllocationRequest', 409, 'capacity'],
    ['ResourceNotFound', 404, 'not_found'],
    ['NotFound', 404, 'not_found'],
    [undefined, 404, 'not_found'],
    ['ResourceGroupNotFound', 404, 'invalid'],
    ['SubscriptionNotFound', 404, 'invalid'],
    ['InvalidParameter', 400, 'invalid'],
    ['BadRequest', 400, 'invalid'],
    ['InvalidResourceReference', 400, 'invalid'],
    ['PlatformImageNotFound', 404, 'invalid'],
    [undefined, 400, 'invalid'],
    [undefined, 422, 'invalid'],
    ['TooManyRequests', 429, 'transient'],
    [undefined, 429, 'transient'],
    ['SubscriptionRequestsThrottled', 429, 'transient'],
    [undefined, 408, 'transient'],
    ['AnotherOperationInProgress', 409, 'transient'],
    [undefined, 409, 'transient'],
    ['InternalServerError', 500, 'transient'],
    [undefined, 502, 'transient'],
    [undefined, 503, 'transient'],
    ['REQUEST_SEND_ERROR', undefined, 'transient'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', undefined, 'invalid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', undefined, 'invalid'],
    ['SomethingNew', undefined, 'transient'],
    ['SomethingNew', 418, 'invalid'],
  ];

  it.each(table)('code %s with status %s is %s', (code, status, kind) => {
    expect(azureErrorKind(code, status)).toBe(kind);
    const error = toConnectorError(restError(status, code), 'create vm ss-1');
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(kind === 'transient' || kind === 'capacity');
    expect(error.message).toMatch(/^azure: create vm ss-1: /);
    if (code) expect(error.message).toContain(code);
  });

  it('carries the Retry-After hint (seconds, HTTP date, or ms headers) from either header shape', () => {
    expect(toConnectorError(restError(429, 'TooManyRequests', { 'Retry-After': '7' }), 'x').retryAfterMs).toBe(7000);
    expect(toConnectorError(restError(429, undefined, { 'Retry-After': '3' }, false), 'x').retryAfterMs).toBe(3000);
    expect(toConnectorError(restError(503, undefined, { 'retry-after-ms': '250' }), 'x')).toMatchObject({ kind: 'transient', retryAfterMs: 250 });
    expect(toConnectorError(restError(429, undefined), 'x').retryAfterMs).toBeUndefined();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toBe(30_000);
    expect(retryAfterMs({ 'Retry-After': 'Tue, 31 Dec 2024 00:00:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({ 'x-ms-retry-after-ms': '40', 'retry-after': '9' }, now)).toBe(40);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('maps a failed long-running operation by its ARM code', () => {
    expect(toConnectorError(new AzureOperationFailedError('AllocationFailed', 'no capacity'), 'create')).toMatchObject({ kind: 'capacity', message: 'azure: create: AllocationFailed: no capacity' });
    expect(toConnectorError(new AzureOperationFailedError('QuotaExceeded', 'cores'), 'create')).toMatchObject({ kind: 'quota', retryable: false });
    expect(toConnectorError(new AzureOperationFailedError('OperationFailed', 'no reason'), 'create').kind).toBe('transient');
  });

  it('maps credential errors to auth (an outage of the sign-in service to transient), never showing the secret', () => {
    const rejected = new AuthenticationError(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    expect(toConnectorError(rejected, 'list')).toMatchObject({ kind: 'auth', message: 'azure: list: sign-in failed (401): invalid_client' });
    expect(toConnectorError(new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: 'later' }), 'list').kind).toBe('transient');
    expect(toConnectorError(new CredentialUnavailableError('no way to sign in'), 'list').kind).toBe('auth');
    expect(toConnectorError(new AuthenticationRequiredError({ scopes: ['s'], message: 'invalid_client' }), 'list').kind).toBe('auth');
  });

  it('passes ConnectorErrors through and treats anything unknown as transient', () => {
    const own = new ConnectorError('quota', 'q');
    expect(toConnectorError(own, 'x')).toBe(own);
    expect(toConnectorError(new Error('socket hang up'), 'x')).toMatchObject({ kind: 'transient', message: 'azure: x: socket hang up' });
    expect(toConnectorError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x').kind).toBe('transient');
    expect(toConnectorError('text', 'x').kind).toBe('transient');
  });
});

describe('azure errors: operation status bodies', () => {
  it.each([
    ['{"status":"Failed","error":{"code":"AllocationFailed","message":"m"}}', { code: 'AllocationFailed', message: 'm' }],
    ['{"status":"failed"}', { code: 'OperationFailed', message: 'the operation ended failed' }],
    ['{"status":"Canceled"}', { code: 'OperationCanceled', message: 'the operation ended Canceled' }],
    ['{"status":"InProgress"}', undefined],
    ['{"status":"Succeeded"}', undefined],
    ['{"name":"ss-1","properties":{"provisioningState":"Failed"}}', undefined],
    ['not json', undefined],
    ['', undefined],
  ])('%s', (body, expected) => {
    expect(operationFailure(body)).toEqual(expected);
  });
});
