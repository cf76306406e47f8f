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
  ConflictError,
  DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from '../domain/errors.js';

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

function detailsOf(err: DomainError): Any[] {
  const details = [pack('google.rpc.ErrorInfo', ErrorInfo, { reason: err.reason, domain: ERROR_DOMAIN, metadata: err.metadata })];
  if (err instanceof InvalidArgumentError) {
    const fieldViolations = err.violations.map((v) => ({ field: v.field, description: v.description, reason: '' }));
    details.push(pack('google.rpc.BadRequest', BadRequest, { fieldViolations }));
  } else if (err instanceof NotFoundError || err instanceof AlreadyExistsError) {
    details.push(
      pack('google.rpc.ResourceInfo', ResourceInfo, {
        resourceType: err.resourceType,
        resourceName: err.resourceName,
        owner: '',
        description: err.message,
      }),
    );
  } else if (err instanceof FailedPreconditionError) {
    details.push(
      pack('google.rpc.PreconditionFailure', PreconditionFailure, {
        violations: [{ type: err.reason, subject: err.subject, description: err.message }],
      }),
    );
  } else if (err instanceof UnavailableError && err.retryAfterMs !== undefined) {
    const ms = err.retryAfterMs;
    details.push(pack('google.rpc.RetryInfo', RetryInfo, { retryDelay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } }));
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
  const metadata = new Metadata();
  const encoded = Status.encode({ code, message: err.message, details: detailsOf(err) }).finish();
  metadata.set('grpc-status-details-bin', Buffer.from(encoded));
  return { code, details: err.message, metadata };
}
