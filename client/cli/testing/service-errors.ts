/**
 * The typed errors a client service rejects with, built as the client builds
 * them from a gRPC status, for the error paths of verb tests.
 */
import { status } from '@grpc/grpc-js';
import type { FieldViolation } from '../../../common/errors.js';
import {
  DataLossError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
} from '../../errors.js';

/** NOT_FOUND naming the resource. */
export function notFound(resourceType: string, resourceName: string): NotFoundError {
  return new NotFoundError({
    code: status.NOT_FOUND,
    message: `${resourceType} ${resourceName} not found`,
    details: { resourceInfo: { resourceType, resourceName, owner: '', description: '' } },
  });
}

/** PERMISSION_DENIED. */
export function permissionDenied(message = 'this call needs a higher role'): PermissionDeniedError {
  return new PermissionDeniedError({ code: status.PERMISSION_DENIED, message });
}

/** UNAUTHENTICATED. */
export function unauthenticated(message = 'token revoked'): UnauthenticatedError {
  return new UnauthenticatedError({ code: status.UNAUTHENTICATED, message });
}

/** INVALID_ARGUMENT with field violations (google.rpc.BadRequest). */
export function invalidArgument(violations: FieldViolation[], message = 'invalid argument'): InvalidArgumentError {
  return new InvalidArgumentError({ code: status.INVALID_ARGUMENT, message, details: { fieldViolations: violations } });
}

/** FAILED_PRECONDITION. */
export function failedPrecondition(message: string): FailedPreconditionError {
  return new FailedPreconditionError({ code: status.FAILED_PRECONDITION, message });
}

/** UNAVAILABLE, optionally with the server's retry delay. */
export function unavailable(message = 'connection refused', retryDelayMs?: number): UnavailableError {
  return new UnavailableError({ code: status.UNAVAILABLE, message, details: retryDelayMs === undefined ? {} : { retryDelayMs } });
}

/** DATA_LOSS, e.g. a download whose size or sha256 differs from what the server announced. */
export function dataLoss(message: string): DataLossError {
  return new DataLossError({ code: status.DATA_LOSS, message });
}
