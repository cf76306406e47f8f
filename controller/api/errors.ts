import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Any } from '../../proto/gen/google/protobuf/any.js';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  ResourceInfo,
  RetryInfo,
} from '../../proto/gen/google/rpc/error_details.js';
import { Status } from '../../proto/gen/google/rpc/status.js';
import {
  AlreadyExistsError,
  clipText,
  ConflictError,
  DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  type FieldViolation,
} from '../../common/errors.js';

/** Domain of every google.rpc.ErrorInfo this server sends. */
export const ERROR_DOMAIN = 'slipstream.dev';

const TYPE_PREFIX = 'type.googleapis.com/';

function pack<T>(typeName: string, codec: { encode(m: T): { finish(): Uint8Array } }, message: T): Any {
  return { typeUrl: TYPE_PREFIX + typeName, value: Buffer.from(codec.encode(message).finish()) };
}

function codeOf(err: DomainError): status {
  if (err instanceof InvalidArgumentError) return status.INVALID_ARGUMENT;
  if (err instanceof NotFoundError) return status.NOT_FOUND;
  if (err instanceof AlreadyExistsError) return status.ALREADY_EXISTS;
  if (err instanceof FailedPreconditionError) return status.FAILED_PRECONDITION;
  if (err instanceof ConflictError) return status.ABORTED;
  if (err instanceof UnauthenticatedError) return status.UNAUTHENTICATED;
  if (err instanceof PermissionDeniedError) return status.PERMISSION_DENIED;
  if (err instanceof ResourceExhaustedError) return status.RESOURCE_EXHAUSTED;
  if (err instanceof UnavailableError) return status.UNAVAILABLE;
  return status.INTERNAL;
}

/** Field violations one error sends at most; the rest are counted in one more entry. */
export const MAX_REPORTED_VIOLATIONS = 100;
/** Longest field path and description sent, in characters. */
export const MAX_VIOLATION_FIELD_CHARS = 256;
export const MAX_VIOLATION_DESCRIPTION_CHARS = 512;
/**
 * Characters of paths and descriptions sent at most, whatever their count: the
 * details travel base64-encoded in one HTTP/2 trailer, and Node drops a header
 * block over 64 KiB (with the reply in it).
 */
export const VIOLATION_TEXT_BUDGET = 16 * 1024;
/** Longest status message, in characters. */
export const MAX_STATUS_MESSAGE_CHARS = 1024;
const MAX_RESOURCE_NAME_CHARS = 256;

/**
 * The violations an error sends: the first ones, each clipped, within
 * {@link MAX_REPORTED_VIOLATIONS} and {@link VIOLATION_TEXT_BUDGET}, then one
 * entry (field '') that says how many more there are.
 */
export function reportedViolations(violations: readonly FieldViolation[]): FieldViolation[] {
  const reported: FieldViolation[] = [];
  let budget = VIOLATION_TEXT_BUDGET;
  for (const v of violations) {
    if (reported.length >= MAX_REPORTED_VIOLATIONS) break;
    const field = clipText(v.field, MAX_VIOLATION_FIELD_CHARS);
    const description = clipText(v.description, MAX_VIOLATION_DESCRIPTION_CHARS);
    budget -= field.length + description.length;
    if (budget < 0 && reported.length > 0) break;
    reported.push({ field, description });
  }
  const more = violations.length - reported.length;
  if (more > 0) reported.push({ field: '', description: `and ${more} more violation${more === 1 ? '' : 's'} not listed (${violations.length} in all)` });
  return reported;
}

function retryInfo(ms: number): Any {
  const whole = Math.max(0, Math.ceil(ms));
  return pack('google.rpc.RetryInfo', RetryInfo, { retryDelay: { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1e6 } });
}

function detailsOf(err: DomainError, message: string): Any[] {
  const metadata = err instanceof InvalidArgumentError ? { ...err.metadata, violations: String(err.violations.length) } : err.metadata;
  const details = [pack('google.rpc.ErrorInfo', ErrorInfo, { reason: err.reason, domain: ERROR_DOMAIN, metadata })];
  if (err instanceof InvalidArgumentError) {
    const fieldViolations = reportedViolations(err.violations).map((v) => ({ ...v, reason: '' }));
    details.push(pack('google.rpc.BadRequest', BadRequest, { fieldViolations }));
  } else if (err instanceof NotFoundError || err instanceof AlreadyExistsError) {
    details.push(
      pack('google.rpc.ResourceInfo', ResourceInfo, {
        resourceType: err.resourceType,
        resourceName: clipText(err.resourceName, MAX_RESOURCE_NAME_CHARS),
        owner: '',
        description: message,
      }),
    );
  } else if (err instanceof FailedPreconditionError) {
    details.push(
      pack('google.rpc.PreconditionFailure', PreconditionFailure, {
        violations: [{ type: err.reason, subject: clipText(err.subject, MAX_RESOURCE_NAME_CHARS), description: message }],
      }),
    );
  } else if ((err instanceof UnavailableError || err instanceof ResourceExhaustedError) && err.retryAfterMs !== undefined) {
    details.push(retryInfo(err.retryAfterMs));
  }
  return details;
}

/**
 * The one place where errors become gRPC statuses. Domain errors keep their
 * message and carry google.rpc details in `grpc-status-details-bin`; anything
 * else is a bug: INTERNAL with a generic message, the stack in the log.
 */
export function toStatus(err: unknown, log: Logger): Partial<StatusObject> {
  if (!(err instanceof DomainError)) {
    log.error({ err }, 'unexpected error');
    return { code: status.INTERNAL, details: 'internal error; the controller log has the details' };
  }
  const code = codeOf(err);
  // Messages quote what the caller sent (a name, an id): a huge one must not make the reply too big to arrive.
  const message = clipText(err.message, MAX_STATUS_MESSAGE_CHARS);
  const metadata = new Metadata();
  const encoded = Status.encode({ code, message, details: detailsOf(err, message) }).finish();
  metadata.set('grpc-status-details-bin', Buffer.from(encoded));
  return { code, details: message, metadata };
}
