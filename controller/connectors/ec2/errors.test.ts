import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorErrorKind } from '../connector.js';
import { isNotFound, toConnectorError } from './errors.js';

/** An error as the SDK throws it for an EC2 error response. */
function ec2Error(code: string, status: number, options: { message?: string; headers?: Record<string, string>; fault?: 'client' | 'server' } = {}) {
  const err = new EC2ServiceException({
    name: code,
    $fault: options.fault ?? (status >= 500 ? 'server' : 'client'),
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
    message: options.message ?? `${code} happened`,
  });
  Object.assign(err, { Code: code });
  if (options.headers) err.$response = { statusCode: status, headers: options.headers, body: undefined };
  return err;
}

/** A Node network error as the SDK's HTTP handler rejects with it. */
function networkError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('ec2 error mapping', () => {
  it.each<[string, unknown, ConnectorErrorKind, boolean]>([
    ['AuthFailure', ec2Error('AuthFailure', 401), 'auth', false],
    ['UnauthorizedOperation', ec2Error('UnauthorizedOperation', 403), 'auth', false],
    ['InvalidClientTokenId', ec2Error('InvalidClientTokenId', 403), 'auth', false],
    ['SignatureDoesNotMatch', ec2Error('SignatureDoesNotMatch', 403), 'auth', false],
    ['ExpiredToken', ec2Error('ExpiredToken', 400), 'auth', false],
    ['OptInRequired', ec2Error('OptInRequired', 401), 'auth', false],
    ['no credentials found', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'auth', false],
    ['unknown 403', ec2Error('SomethingForbidden', 403), 'auth', false],
    ['InstanceLimitExceeded', ec2Error('InstanceLimitExceeded', 400), 'quota', false],
    ['VcpuLimitExceeded', ec2Error('VcpuLimitExceeded', 400), 'quota', false],
    ['VolumeLimitExceeded', ec2Error('VolumeLimitExceeded', 400), 'quota', false],
    ['InsufficientInstanceCapacity', ec2Error('InsufficientInstanceCapacity', 500, { fault: 'server' }), 'capacity', true],
    ['InsufficientHostCapacity', ec2Error('InsufficientHostCapacity', 400), 'capacity', true],
    ['InvalidInstanceID.NotFound', ec2Error('InvalidInstanceID.NotFound', 400), 'not_found', false],
    ['InvalidAMIID.NotFound', ec2Error('InvalidAMIID.NotFound', 400), 'not_found', false],
    ['InvalidAMIID.Unavailable', ec2Error('InvalidAMIID.Unavailable', 400), 'not_found', false],
    ['InvalidSubnetID.NotFound', ec2Error('InvalidSubnetID.NotFound', 400), 'not_found', false],
    ['InvalidGroup.NotFound', ec2Error('InvalidGroup.NotFound', 400), 'not_found', false],
    ['InvalidKeyPair.NotFound', ec2Error('InvalidKeyPair.NotFound', 400), 'not_found', false],
    ['InvalidParameterValue', ec2Error('InvalidParameterValue', 400), 'invalid', false],
    ['InvalidParameterCombination', ec2Error('InvalidParameterCombination', 400), 'invalid', false],
    ['InvalidAMIID.Malformed', ec2Error('InvalidAMIID.Malformed', 400), 'invalid', false],
    ['MissingParameter', ec2Error('MissingParameter', 400), 'invalid', false],
    ['IdempotentParameterMismatch', ec2Error('IdempotentParameterMismatch', 400), 'invalid', false],
    ['Unsupported', ec2Error('Unsupported', 400), 'invalid', false],
    ['RequestLimitExceeded', ec2Error('RequestLimitExceeded', 503), 'transient', true],
    ['Throttling', ec2Error('Throttling', 400), 'transient', true],
    ['RequestExpired (clock skew)', ec2Error('RequestExpired', 400), 'transient', true],
    ['InternalError', ec2Error('InternalError', 500), 'transient', true],
    ['ServiceUnavailable', ec2Error('ServiceUnavailable', 503), 'transient', true],
    ['unknown 502', ec2Error('BadGateway', 502), 'transient', true],
    ['undeserializable 500 body', Object.assign(new Error('XML parse error'), { $metadata: { httpStatusCode: 500 } }), 'transient', true],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), 'transient', true],
    ['ECONNRESET', networkError('ECONNRESET'), 'transient', true],
    ['ENOTFOUND', networkError('ENOTFOUND'), 'transient', true],
    ['SDK timeout', Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }), 'transient', true],
    ['unknown client fault', ec2Error('SomethingElse', 400), 'invalid', false],
    ['not even an Error', 'boom', 'transient', true],
  ])('%s is %s (retryable %s)', (_label, err, kind, retryable) => {
    const mapped = toConnectorError(err, 'provision');
    expect(mapped).toBeInstanceOf(ConnectorError);
    expect({ kind: mapped.kind, retryable: mapped.retryable }).toEqual({ kind, retryable });
    expect(mapped.message).toMatch(/^ec2: provision: /);
    expect(mapped.cause).toBe(err);
  });

  it('says the code and the message once', () => {
    expect(toConnectorError(ec2Error('InvalidSubnetID.NotFound', 400, { message: "The subnet ID 'subnet-1' does not exist" }), 'provision').message).toBe(
      "ec2: provision: InvalidSubnetID.NotFound: The subnet ID 'subnet-1' does not exist",
    );
    expect(toConnectorError(networkError('ECONNREFUSED'), 'describe').message).toBe('ec2: describe: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('passes the Retry-After hint on, in seconds or as a date', () => {
    expect(toConnectorError(ec2Error('RequestLimitExceeded', 503, { headers: { 'Retry-After': '2' } }), 'provision').retryAfterMs).toBe(2000);
    const at = new Date(Date.now() + 60_000).toUTCString();
    const fromDate = toConnectorError(ec2Error('ServiceUnavailable', 503, { headers: { 'retry-after': at } }), 'provision').retryAfterMs!;
    expect(fromDate).toBeGreaterThan(50_000);
    expect(fromDate).toBeLessThanOrEqual(60_000);
    expect(toConnectorError(ec2Error('Throttling', 400), 'provision').retryAfterMs).toBeUndefined();
    expect(toConnectorError(ec2Error('InvalidParameterValue', 400, { headers: { 'retry-after': '5' } }), 'provision').retryAfterMs).toBeUndefined();
  });

  it('never carries credentials in its message', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const err = ec2Error('SignatureDoesNotMatch', 403, { message: `key AKIAIOSFODNN7EXAMPLE with secret ${secret} and token FwoGZXIvYXdzEBYaDEXAMPLETOKEN` });
    const mapped = toConnectorError(err, 'describe', { secrets: [secret, 'FwoGZXIvYXdzEBYaDEXAMPLETOKEN'] });
    expect(mapped.kind).toBe('auth');
    expect(mapped.message).not.toContain(secret);
    expect(mapped.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(mapped.message).not.toContain('FwoGZXIvYXdzEBYaDEXAMPLETOKEN');
    expect(mapped.message).toContain('[redacted]');
  });

  it('passes ConnectorErrors through and tells not-found apart', () => {
    const own = new ConnectorError('quota', 'x');
    expect(toConnectorError(own, 'provision')).toBe(own);
    expect(isNotFound(ec2Error('InvalidInstanceID.NotFound', 400))).toBe(true);
    expect(isNotFound(ec2Error('InvalidInstanceID.Malformed', 400))).toBe(false);
    expect(isNotFound(networkError('ECONNREFUSED'))).toBe(false);
  });
});
