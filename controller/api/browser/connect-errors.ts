/**
 * A gRPC status from the loopback call, as the Connect error the browser gets:
 * the same code and message, and the google.rpc details of its
 * `grpc-status-details-bin` trailer as Connect error details (a form shows a
 * BadRequest field violation at its field). Each detail the contract knows
 * also carries its JSON as `debug`, readable without decoding protobuf.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { fromBinary, toJson, type JsonValue, type Registry } from '@bufbuild/protobuf';
import type { ServiceError } from '@grpc/grpc-js';
import { Status } from '../../../proto/gen/google/rpc/status.js';

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** True for what a grpc-js call rejects with: an Error with a numeric status code and its trailers. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'metadata' in err;
}

/** The Connect error carrying a gRPC status (grpc and Connect number their codes alike). */
export function connectErrorOf(err: ServiceError, registry: Registry): ConnectError {
  const code = (err.code as number) in Code ? (err.code as number as Code) : Code.Unknown;
  const error = new ConnectError(err.details, code);
  for (const detail of statusDetailsOf(err)) error.details.push({ ...detail, ...debugOf(detail, registry) });
  return error;
}

function debugOf(detail: { type: string; value: Uint8Array }, registry: Registry): { debug?: JsonValue } {
  const desc = registry.getMessage(detail.type);
  if (!desc) return {};
  try {
    return { debug: toJson(desc, fromBinary(desc, detail.value), { registry }) };
  } catch {
    return {};
  }
}

/** The details of the trailer's google.rpc.Status; none when it is absent or unreadable (the error itself still goes out). */
function statusDetailsOf(err: ServiceError): { type: string; value: Uint8Array }[] {
  const raw = err.metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === 'string') return [];
  try {
    return Status.decode(raw).details.map((any) => ({
      type: any.typeUrl.startsWith(TYPE_URL_PREFIX) ? any.typeUrl.slice(TYPE_URL_PREFIX.length) : any.typeUrl,
      value: new Uint8Array(any.value),
    }));
  } catch {
    return [];
  }
}
