/**
 * The ec2 driver's one place for turning AWS SDK errors (EC2 error codes,
 * HTTP faults, network and timeout errors) into ConnectorErrors. Messages
 * never carry credentials: known secrets and access key ids are blanked out.
 */
import { ConnectorError, type ConnectorErrorKind } from '../connector.js';

const AUTH = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'OptInRequired',
  'Blocked',
  'PendingVerification',
  // The SDK's own: the default credential chain found nothing.
  'CredentialsProviderError',
]);

const QUOTA = new Set([
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'VolumeLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'ResourceLimitExceeded',
  'AddressLimitExceeded',
  'MaxIOPSLimitExceeded',
  'InsufficientFreeAddressesInSubnet',
]);

const CAPACITY = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientAddressCapacity',
  'InsufficientVolumeCapacity',
]);

const TRANSIENT = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'Unavailable',
  'InternalError',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  // Clock skew: the SDK corrects its clock from the failed response.
  'RequestExpired',
  'RequestTimeTooSkewed',
  // The SDK's own: a socket or request timeout.
  'TimeoutError',
]);

/** Node's network errnos: the endpoint was unreachable or the connection broke. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** AWS access key ids (long-term AKIA..., temporary ASIA...). */
const ACCESS_KEY_ID = /\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g;

/** The shape of an SDK error, read defensively: any of it may be missing. */
interface SdkErrorLike {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
  $response?: { statusCode?: unknown; headers?: Record<string, string | undefined> };
}

/** What {@link toConnectorError} needs besides the error. */
export interface Ec2ErrorContext {
  /** Secret values to blank out of messages (the tenant's credential fields). */
  secrets?: readonly string[];
}

/**
 * Wraps `err` from the SDK as a ConnectorError saying what `action` failed
 * (`ec2: <action>: <code>: <message>`). ConnectorErrors pass through.
 */
export function toConnectorError(err: unknown, action: string, context: Ec2ErrorContext = {}): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const code = errorCode(e);
  const status = httpStatus(e);
  const kind = classify(code, status, e);
  const reason = redact(typeof e.message === 'string' && e.message !== '' ? e.message : String(err), context.secrets ?? []);
  const message = `ec2: ${action}: ${code === undefined || reason.startsWith(code) ? reason : `${code}: ${reason}`}`;
  const retryAfterMs = kind === 'transient' ? retryAfter(e) : undefined;
  return new ConnectorError(kind, message, { cause: err, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

/** True when `err` says the instance (or another named resource) does not exist. */
/** The EC2 error code of an SDK error (`InvalidAMIName.Duplicate`, ...), if it has one. */
export function errorCodeOf(err: unknown): string | undefined {
  return errorCode((typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike);
}

export function isNotFound(err: unknown): boolean {
  const code = errorCode((typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike);
  return code !== undefined && code.endsWith('.NotFound');
}

function classify(code: string | undefined, status: number | undefined, e: SdkErrorLike): ConnectorErrorKind {
  if (code !== undefined) {
    if (AUTH.has(code)) return 'auth';
    if (QUOTA.has(code)) return 'quota';
    if (CAPACITY.has(code)) return 'capacity';
    if (TRANSIENT.has(code) || NETWORK.has(code)) return 'transient';
    // InvalidInstanceID.NotFound, InvalidAMIID.NotFound, InvalidSubnetID.NotFound,
    // InvalidGroup.NotFound, InvalidKeyPair.NotFound, ...; an AMI being deregistered too.
    if (code.endsWith('.NotFound') || code === 'InvalidAMIID.Unavailable') return 'not_found';
  }
  if (e.$retryable !== undefined) return 'transient';
  if (status !== undefined && status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'transient';
  if (e.$fault === 'server') return 'transient';
  // InvalidParameterValue, InvalidParameterCombination, MissingParameter, *.Malformed,
  // InvalidBlockDeviceMapping, IdempotentParameterMismatch, Unsupported, ...: the
  // request itself is wrong, and sending it again will not help.
  if (e.$fault === 'client' || (status !== undefined && status >= 400) || code?.startsWith('Invalid')) return 'invalid';
  if (code === 'MissingParameter' || code === 'UnknownParameter' || code === 'ValidationError') return 'invalid';
  // No response at all (a network error without a known errno, an aborted socket): try again.
  return 'transient';
}

function errorCode(e: SdkErrorLike): string | undefined {
  // EC2 errors come back with `name` = `Code` = the EC2 error code; Node's
  // network errors carry an errno in `code` and a generic name.
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return undefined;
}

function httpStatus(e: SdkErrorLike): number | undefined {
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The Retry-After hint of the response, in ms, when the service gave one. */
function retryAfter(e: SdkErrorLike): number | undefined {
  const headers = e.$response?.headers;
  if (!headers) return undefined;
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(ACCESS_KEY_ID, '[redacted]');
}
