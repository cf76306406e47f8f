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

/** What a {@link ResourceExhaustedError} may say beyond its message and metadata. */
export interface ResourceExhaustedOptions {
  /** Machine-readable name of the limit (google.rpc.ErrorInfo.reason); default `RESOURCE_EXHAUSTED`. */
  reason?: string;
  /** When a retry may succeed (google.rpc.RetryInfo); absent when waiting alone will not help (a quota). */
  retryAfterMs?: number;
}

/** A quota or limit is exhausted (RESOURCE_EXHAUSTED); `metadata` says which limit and how it is used. */
export class ResourceExhaustedError extends DomainError {
  readonly reason: string;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, metadata: Record<string, string> = {}, options: ResourceExhaustedOptions = {}) {
    super(message, metadata);
    this.reason = options.reason ?? 'RESOURCE_EXHAUSTED';
    this.retryAfterMs = options.retryAfterMs;
  }
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

/** Violations a summary quotes before it only counts the rest. */
export const SUMMARY_QUOTED_VIOLATIONS = 3;

/** Longest summary, in characters: it becomes the status message, one HTTP/2 trailer that every proxy must carry. */
export const SUMMARY_MAX_CHARS = 1024;

/**
 * The status message of an InvalidArgumentError: the first few violations and
 * how many more there are, at most {@link SUMMARY_MAX_CHARS} characters.
 * The full list travels as structured details (google.rpc.BadRequest).
 */
export function summarizeViolations(violations: readonly FieldViolation[]): string {
  if (violations.length === 0) return 'invalid argument';
  const quoted = violations.slice(0, SUMMARY_QUOTED_VIOLATIONS).map((v) => `${v.field}: ${v.description}`);
  const more = violations.length - quoted.length;
  const text = violations.length === 1 ? quoted[0]! : `${violations.length} violations: ${quoted.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return clipText(text, SUMMARY_MAX_CHARS);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` cut to at most `maxChars` UTF-16 units (ending in `...` when cut),
 * with lone surrogates (also one the cut leaves) replaced by U+FFFD: the
 * result can always be percent-encoded into a gRPC status message.
 */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text.replace(LONE_SURROGATE, '\uFFFD');
  return `${text.slice(0, Math.max(0, maxChars - 3)).replace(LONE_SURROGATE, '\uFFFD')}...`;
}

/** Throws InvalidArgumentError when the list is not empty. */
export function throwIfViolations(violations: readonly FieldViolation[]): void {
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}
