import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Any } from '../proto/gen/google/protobuf/any.js';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  ResourceInfo,
  RetryInfo,
} from '../proto/gen/google/rpc/error_details.js';
import { Status } from '../proto/gen/google/rpc/status.js';
import {
  ConflictError,
  FailedPreconditionError,
  fromServiceError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  SlipstreamError,
  UnauthenticatedError,
  UnavailableError,
} from './errors.js';
import { STATUS_DETAILS_KEY } from './status-details.js';

function pack(type: string, value: Uint8Array): Any {
  return { typeUrl: `type.googleapis.com/google.rpc.${type}`, value: Buffer.from(value) };
}

function serviceError(code: status, message: string, details: Any[] = [], raw?: Buffer): ServiceError {
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, raw ?? Buffer.from(Status.encode({ code, message, details }).finish()));
  return Object.assign(new Error(`${code} ${status[code]}: ${message}`), { code, details: message, metadata });
}

const errorInfo = (reason: string, metadata: Record<string, string> = {}): Any =>
  pack('ErrorInfo', ErrorInfo.encode({ reason, domain: 'slipstream', metadata }).finish());

describe('fromServiceError', () => {
  it('decodes BadRequest violations and ErrorInfo into InvalidArgumentError', () => {
    const badRequest = BadRequest.encode({
      fieldViolations: [
        { field: 'nodes[0].component', description: 'unknown module', reason: '' },
        { field: 'path', description: 'must be lowercase', reason: '' },
      ],
    }).finish();
    const error = fromServiceError(
      serviceError(status.INVALID_ARGUMENT, '2 violations', [
        pack('BadRequest', badRequest),
        errorInfo('INVALID_ARGUMENT', { module: 'web/app' }),
      ]),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toBeInstanceOf(SlipstreamError);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toBe('2 violations');
    expect(error.reason).toBe('INVALID_ARGUMENT');
    expect(error.metadata).toEqual({ module: 'web/app' });
    expect((error as InvalidArgumentError).violations).toEqual([
      { field: 'nodes[0].component', description: 'unknown module' },
      { field: 'path', description: 'must be lowercase' },
    ]);
  });

  it('names the resource of a NotFoundError', () => {
    const info = ResourceInfo.encode({ resourceType: 'module', resourceName: 'a/b', owner: '', description: '' });
    const error = fromServiceError(serviceError(status.NOT_FOUND, 'gone', [pack('ResourceInfo', info.finish())]));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ resourceType: 'module', resourceName: 'a/b', reason: 'NOT_FOUND' });
  });

  it('reads the retry delay of UNAVAILABLE', () => {
    const retry = RetryInfo.encode({ retryDelay: { seconds: 2, nanos: 500_000_000 } }).finish();
    const error = fromServiceError(serviceError(status.UNAVAILABLE, 'busy', [pack('RetryInfo', retry)]));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).retryDelayMs).toBe(2500);
  });

  it('keeps PreconditionFailure violations and the ErrorInfo reason', () => {
    const failure = PreconditionFailure.encode({
      violations: [{ type: 'RUN_STATE', subject: 'run/42', description: 'run is not Ready' }],
    }).finish();
    const error = fromServiceError(
      serviceError(status.FAILED_PRECONDITION, 'not ready', [
        pack('PreconditionFailure', failure),
        errorInfo('RUN_NOT_READY'),
      ]),
    );
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.reason).toBe('RUN_NOT_READY');
    expect((error as FailedPreconditionError).violations).toEqual([
      { type: 'RUN_STATE', subject: 'run/42', description: 'run is not Ready' },
    ]);
  });

  it.each([
    [status.ABORTED, ConflictError],
    [status.UNAUTHENTICATED, UnauthenticatedError],
    [status.PERMISSION_DENIED, PermissionDeniedError],
  ])('maps code %i to its class, with the code name as reason when no ErrorInfo came', (code, Class) => {
    const error = fromServiceError(serviceError(code, 'nope'));
    expect(error).toBeInstanceOf(Class);
    expect(error.reason).toBe(status[code]);
  });

  it('survives a corrupt details trailer and unknown detail types', () => {
    const corrupt = fromServiceError(serviceError(status.INVALID_ARGUMENT, 'bad', [], Buffer.from([0xff, 0xff, 0xff])));
    expect(corrupt).toBeInstanceOf(InvalidArgumentError);
    expect((corrupt as InvalidArgumentError).violations).toEqual([]);

    const unknown = fromServiceError(
      serviceError(status.INVALID_ARGUMENT, 'bad', [
        { typeUrl: 'type.googleapis.com/acme.Thing', value: Buffer.from([1, 2]) },
        pack('BadRequest', Buffer.from([0xff])),
      ]),
    );
    expect(unknown.message).toBe('bad');
    expect((unknown as InvalidArgumentError).violations).toEqual([]);
  });

  it('falls back to the base class for codes without one', () => {
    const error = fromServiceError(serviceError(status.INTERNAL, 'internal error'));
    expect(error.constructor).toBe(SlipstreamError);
    expect(error.reason).toBe('INTERNAL');
  });
});
