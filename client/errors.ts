/**
 * Typed client errors: a failed call rejects with one of these, rebuilt from
 * the gRPC status code and the google.rpc details the controller sent. Branch
 * on the class (or `code` / `reason`), never on the message text.
 */
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { FieldViolation } from '../common/errors.js';
import {
  statusFromMetadata,
  unpackStatusDetails,
  type PreconditionViolation,
  type StatusDetails,
} from './status-details.js';

export type { FieldViolation } from '../common/errors.js';
export type { PreconditionViolation, StatusDetails } from './status-details.js';

/** What every typed error is built from. */
export interface SlipstreamErrorInit {
  code: GrpcStatus;
  message: string;
  details?: StatusDetails;
  cause?: unknown;
}

/** Any failed call. `reason` is ErrorInfo.reason, or the status code's name when the server sent none. */
export class SlipstreamError extends Error {
  readonly code: GrpcStatus;
  readonly reason: string;
  /** ErrorInfo.metadata: machine-readable facts about the failure. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly details: StatusDetails;

  constructor(init: SlipstreamErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.details = init.details ?? {};
    this.reason = this.details.errorInfo?.reason || (GrpcStatus[init.code] ?? 'UNKNOWN');
    this.metadata = this.details.errorInfo?.metadata ?? {};
  }
}

/**
 * INVALID_ARGUMENT: the rejected fields, from google.rpc.BadRequest. The
 * controller sends the first 100 at most, then one entry (field '') counting
 * the rest; `violationCount` is the count of them all.
 */
export class InvalidArgumentError extends SlipstreamError {
  readonly violations: readonly FieldViolation[];
  readonly violationCount: number;

  constructor(init: SlipstreamErrorInit) {
    super(init);
    this.violations = this.details.fieldViolations ?? [];
    const counted = Number(this.metadata.violations);
    this.violationCount = Number.isSafeInteger(counted) && counted >= 0 ? counted : this.violations.length;
  }
}

/** Shared by the errors that name a resource (google.rpc.ResourceInfo). */
abstract class ResourceError extends SlipstreamError {
  readonly resourceType: string | undefined;
  readonly resourceName: string | undefined;

  constructor(init: SlipstreamErrorInit) {
    super(init);
    this.resourceType = this.details.resourceInfo?.resourceType || undefined;
    this.resourceName = this.details.resourceInfo?.resourceName || undefined;
  }
}

/** NOT_FOUND: absent, or belongs to another tenant. */
export class NotFoundError extends ResourceError {}

/** ALREADY_EXISTS. */
export class AlreadyExistsError extends ResourceError {}

/** PERMISSION_DENIED: the caller's role does not allow the call. */
export class PermissionDeniedError extends SlipstreamError {}

/** UNAUTHENTICATED: no token, or a bad, expired or revoked one. */
export class UnauthenticatedError extends SlipstreamError {}

/** FAILED_PRECONDITION, with google.rpc.PreconditionFailure violations when sent. */
export class FailedPreconditionError extends SlipstreamError {
  readonly violations: readonly PreconditionViolation[];

  constructor(init: SlipstreamErrorInit) {
    super(init);
    this.violations = this.details.preconditionViolations ?? [];
  }
}

/** ABORTED: a concurrent change won; re-read and retry. */
export class ConflictError extends SlipstreamError {}

/** Shared by the errors after which a retry may succeed (google.rpc.RetryInfo). */
export abstract class RetryableError extends SlipstreamError {
  /** How long the server asks the caller to wait before retrying, if it said (a rate limit, a full stream limit). */
  readonly retryDelayMs: number | undefined;

  constructor(init: SlipstreamErrorInit) {
    super(init);
    this.retryDelayMs = this.details.retryDelayMs;
  }
}

/** UNAVAILABLE: the controller (or one of its dependencies) cannot be reached now. */
export class UnavailableError extends RetryableError {}

/**
 * RESOURCE_EXHAUSTED: a quota or limit is used up. `reason` names it
 * (`RATE_LIMITED`, `TOO_MANY_STREAMS`, ...), `metadata` its value, and
 * `retryDelayMs` when waiting will help.
 */
export class ResourceExhaustedError extends RetryableError {}

/** DEADLINE_EXCEEDED: the call's deadline passed before an answer came. */
export class DeadlineExceededError extends SlipstreamError {}

/** CANCELLED: the caller cancelled the call (its AbortSignal fired) or the client was closed. */
export class CancelledError extends SlipstreamError {}

/**
 * DATA_LOSS: what arrived is incomplete or corrupt, e.g. a downloaded report
 * whose size or sha256 differs from what the server announced.
 */
export class DataLossError extends SlipstreamError {}

type ErrorClass = new (init: SlipstreamErrorInit) => SlipstreamError;

const CLASS_BY_CODE: Partial<Record<GrpcStatus, ErrorClass>> = {
  [GrpcStatus.INVALID_ARGUMENT]: InvalidArgumentError,
  [GrpcStatus.NOT_FOUND]: NotFoundError,
  [GrpcStatus.ALREADY_EXISTS]: AlreadyExistsError,
  [GrpcStatus.PERMISSION_DENIED]: PermissionDeniedError,
  [GrpcStatus.UNAUTHENTICATED]: UnauthenticatedError,
  [GrpcStatus.FAILED_PRECONDITION]: FailedPreconditionError,
  [GrpcStatus.ABORTED]: ConflictError,
  [GrpcStatus.UNAVAILABLE]: UnavailableError,
  [GrpcStatus.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [GrpcStatus.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [GrpcStatus.CANCELLED]: CancelledError,
  [GrpcStatus.DATA_LOSS]: DataLossError,
};

/** Builds the typed error for a status code and its decoded details. */
export function errorFromStatus(init: SlipstreamErrorInit): SlipstreamError {
  const Class = CLASS_BY_CODE[init.code] ?? SlipstreamError;
  return new Class(init);
}

/**
 * Maps a failed grpc-js call to its typed error, decoding the
 * `grpc-status-details-bin` trailer when the server sent one.
 */
export function fromServiceError(error: ServiceError): SlipstreamError {
  const status = statusFromMetadata(error.metadata);
  return errorFromStatus({
    code: error.code,
    message: error.details || status?.message || error.message,
    details: unpackStatusDetails(status?.details ?? []),
    cause: error,
  });
}
