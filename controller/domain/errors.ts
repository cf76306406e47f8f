/**
 * Domain errors: thrown by domain code, stores and handlers, and mapped to gRPC
 * status codes with google.rpc details in exactly one place (the API error
 * interceptor). Nothing branches on message text: callers branch on the class.
 */

/** One rejected field: `field` is a path such as `nodes[1].mappings.db_host`. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** Base class of every error that is meant to reach a caller as-is. */
export abstract class DomainError extends Error {
  /** Stable machine-readable reason, sent as google.rpc.ErrorInfo.reason. */
  abstract readonly reason: string;
  readonly metadata: Record<string, string>;

  constructor(message: string, metadata: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
    this.metadata = metadata;
  }
}

/** The request is malformed; every violation is listed at once (INVALID_ARGUMENT). */
export class InvalidArgumentError extends DomainError {
  readonly reason = 'INVALID_ARGUMENT';
  readonly violations: readonly FieldViolation[];

  constructor(violations: readonly FieldViolation[], message?: string) {
    super(message ?? summarizeViolations(violations));
    this.violations = violations;
  }
}

/** The object does not exist, or belongs to another tenant (NOT_FOUND). */
export class NotFoundError extends DomainError {
  readonly reason = 'NOT_FOUND';
  readonly resourceType: string;
  readonly resourceName: string;

  constructor(resourceType: string, resourceName: string, message?: string) {
    super(message ?? `${resourceType} '${resourceName}' not found`);
    this.resourceType = resourceType;
    this.resourceName = resourceName;
  }
}

/** The object already exists (ALREADY_EXISTS). */
export class AlreadyExistsError extends DomainError {
  readonly reason = 'ALREADY_EXISTS';
  readonly resourceType: string;
  readonly resourceName: string;

  constructor(resourceType: string, resourceName: string, message?: string) {
    super(message ?? `${resourceType} '${resourceName}' already exists`);
    this.resourceType = resourceType;
    this.resourceName = resourceName;
  }
}

/** The system is not in a state that allows the operation (FAILED_PRECONDITION). */
export class FailedPreconditionError extends DomainError {
  readonly reason: string;
  readonly subject: string;

  constructor(reason: string, subject: string, message: string) {
    super(message);
    this.reason = reason;
    this.subject = subject;
  }
}

/** A concurrent change won; re-read and retry (ABORTED). */
export class ConflictError extends DomainError {
  readonly reason = 'CONFLICT';
}

/** No or bad credentials (UNAUTHENTICATED). */
export class UnauthenticatedError extends DomainError {
  readonly reason = 'UNAUTHENTICATED';
}

/** Authenticated, but the role does not allow the call (PERMISSION_DENIED). */
export class PermissionDeniedError extends DomainError {
  readonly reason = 'PERMISSION_DENIED';
}

/** A quota or limit is exhausted (RESOURCE_EXHAUSTED). */
export class ResourceExhaustedError extends DomainError {
  readonly reason = 'RESOURCE_EXHAUSTED';
}

/** A dependency is temporarily unavailable; retrying may succeed (UNAVAILABLE). */
export class UnavailableError extends DomainError {
  readonly reason = 'UNAVAILABLE';
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** One line per violation, for logs and the status message. */
export function summarizeViolations(violations: readonly FieldViolation[]): string {
  if (violations.length === 0) return 'invalid argument';
  const lines = violations.map((v) => `${v.field}: ${v.description}`);
  return violations.length === 1 ? lines[0]! : `${violations.length} violations: ${lines.join('; ')}`;
}

/** Throws InvalidArgumentError when the list is not empty. */
export function throwIfViolations(violations: readonly FieldViolation[]): void {
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}
