/**
 * Decodes the gRPC rich error model: the `google.rpc.Status` the controller
 * puts in the `grpc-status-details-bin` trailer, with its typed details.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Any } from '../proto/gen/google/protobuf/any.js';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  ResourceInfo,
  RetryInfo,
} from '../proto/gen/google/rpc/error_details.js';
import { Status } from '../proto/gen/google/rpc/status.js';
import type { FieldViolation } from '../common/errors.js';

/** The trailer that carries a serialized google.rpc.Status. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** One failed precondition, as google.rpc.PreconditionFailure lists them. */
export interface PreconditionViolation {
  type: string;
  subject: string;
  description: string;
}

/** The details of a Status that the client understands; absent ones are undefined. */
export interface StatusDetails {
  fieldViolations?: FieldViolation[];
  errorInfo?: { reason: string; domain: string; metadata: Record<string, string> };
  resourceInfo?: { resourceType: string; resourceName: string; owner: string; description: string };
  preconditionViolations?: PreconditionViolation[];
  retryDelayMs?: number;
}

/**
 * Reads the google.rpc.Status from call trailers. Returns undefined when the
 * trailer is absent or not a valid Status (a broken detail must never hide the
 * error it came with).
 */
export function statusFromMetadata(metadata: Metadata | undefined): Status | undefined {
  const value = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (value === undefined || typeof value === 'string') return undefined;
  try {
    return Status.decode(value);
  } catch {
    return undefined;
  }
}

/** Unpacks the known detail messages of a Status; unknown or undecodable ones are skipped. */
export function unpackStatusDetails(details: readonly Any[]): StatusDetails {
  const out: StatusDetails = {};
  for (const any of details) {
    try {
      unpackOne(any, out);
    } catch {
      // A detail we cannot decode carries nothing we could act on; keep the rest.
    }
  }
  return out;
}

function unpackOne(any: Any, out: StatusDetails): void {
  const type = any.typeUrl.startsWith(TYPE_URL_PREFIX) ? any.typeUrl.slice(TYPE_URL_PREFIX.length) : any.typeUrl;
  switch (type) {
    case 'google.rpc.BadRequest': {
      const violations = BadRequest.decode(any.value).fieldViolations;
      out.fieldViolations = [
        ...(out.fieldViolations ?? []),
        ...violations.map((v) => ({ field: v.field, description: v.description })),
      ];
      return;
    }
    case 'google.rpc.ErrorInfo': {
      const info = ErrorInfo.decode(any.value);
      out.errorInfo = { reason: info.reason, domain: info.domain, metadata: { ...info.metadata } };
      return;
    }
    case 'google.rpc.ResourceInfo':
      out.resourceInfo = { ...ResourceInfo.decode(any.value) };
      return;
    case 'google.rpc.PreconditionFailure':
      out.preconditionViolations = PreconditionFailure.decode(any.value).violations.map((v) => ({ ...v }));
      return;
    case 'google.rpc.RetryInfo': {
      const delay = RetryInfo.decode(any.value).retryDelay;
      if (delay !== undefined) out.retryDelayMs = delay.seconds * 1000 + Math.round(delay.nanos / 1e6);
      return;
    }
  }
}
