/**
 * Domain errors as JSON, so that an error thrown by the replica that owns a
 * run reaches the caller of another replica as the same class, with the same
 * details, and so maps to the same gRPC status there.
 */
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
  type FieldViolation,
} from '../../common/errors.js';

/** An error as it travels between replicas: its class name and every field its constructor needs. */
export interface ErrorJson {
  class: string;
  message: string;
  metadata?: Record<string, string>;
  violations?: FieldViolation[];
  resourceType?: string;
  resourceName?: string;
  reason?: string;
  subject?: string;
  retryAfterMs?: number;
}

/** The JSON of any thrown value; a non-domain error keeps only its name and message. */
export function errorToJson(err: unknown): ErrorJson {
  if (!(err instanceof Error)) return { class: 'Error', message: String(err) };
  const domainClass = domainClassOf(err);
  if (!domainClass) return { class: err.name, message: err.message };
  const json: ErrorJson = { class: domainClass, message: err.message, metadata: (err as DomainError).metadata };
  if (err instanceof InvalidArgumentError) json.violations = [...err.violations];
  if (err instanceof NotFoundError || err instanceof AlreadyExistsError) {
    json.resourceType = err.resourceType;
    json.resourceName = err.resourceName;
  }
  if (err instanceof FailedPreconditionError) {
    json.reason = err.reason;
    json.subject = err.subject;
  }
  if (err instanceof ResourceExhaustedError) json.reason = err.reason;
  if ((err instanceof ResourceExhaustedError || err instanceof UnavailableError) && err.retryAfterMs !== undefined) {
    json.retryAfterMs = err.retryAfterMs;
  }
  return json;
}

/** The common/errors.ts class an error is (or extends), by a name that survives minifying. */
function domainClassOf(err: Error): string | undefined {
  if (err instanceof InvalidArgumentError) return 'InvalidArgumentError';
  if (err instanceof NotFoundError) return 'NotFoundError';
  if (err instanceof AlreadyExistsError) return 'AlreadyExistsError';
  if (err instanceof FailedPreconditionError) return 'FailedPreconditionError';
  if (err instanceof ConflictError) return 'ConflictError';
  if (err instanceof UnauthenticatedError) return 'UnauthenticatedError';
  if (err instanceof PermissionDeniedError) return 'PermissionDeniedError';
  if (err instanceof ResourceExhaustedError) return 'ResourceExhaustedError';
  if (err instanceof UnavailableError) return 'UnavailableError';
  return undefined;
}

/**
 * The error an {@link ErrorJson} stands for: the same domain error class, or
 * a plain Error saying it failed on the owner (the API reports it as INTERNAL,
 * as the owner would have).
 */
export function errorFromJson(json: ErrorJson): Error {
  const error = rebuild(json);
  if (error instanceof DomainError) Object.assign(error.metadata, json.metadata);
  return error;
}

function rebuild(json: ErrorJson): Error {
  const { message } = json;
  switch (json.class) {
    case 'InvalidArgumentError':
      return new InvalidArgumentError(json.violations ?? [], message);
    case 'NotFoundError':
      return new NotFoundError(json.resourceType ?? '', json.resourceName ?? '', message);
    case 'AlreadyExistsError':
      return new AlreadyExistsError(json.resourceType ?? '', json.resourceName ?? '', message);
    case 'FailedPreconditionError':
      return new FailedPreconditionError(json.reason ?? 'FAILED_PRECONDITION', json.subject ?? '', message);
    case 'ConflictError':
      return new ConflictError(message);
    case 'UnauthenticatedError':
      return new UnauthenticatedError(message);
    case 'PermissionDeniedError':
      return new PermissionDeniedError(message);
    case 'ResourceExhaustedError':
      return new ResourceExhaustedError(message, {}, { reason: json.reason, retryAfterMs: json.retryAfterMs });
    case 'UnavailableError':
      return new UnavailableError(message, json.retryAfterMs);
    default:
      return new Error(`failed on the run's controller replica (${json.class}): ${message}`);
  }
}
