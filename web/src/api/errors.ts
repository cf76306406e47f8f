/**
 * What the API refused, for people: the status in words, and a BadRequest's field violations by field, so that a
 * form shows each message at its field (the same messages the CLI prints).
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema } from '../../../proto/gen/es/google/rpc/error_details_pb.js';

export interface ApiProblem {
  code: Code;
  /** One sentence for a banner. */
  message: string;
  /** Field path -> reasons, from google.rpc.BadRequest. */
  fields: Map<string, string[]>;
}

export function problemOf(err: unknown): ApiProblem {
  const error = ConnectError.from(err);
  const fields = new Map<string, string[]>();
  for (const detail of error.findDetails(BadRequestSchema)) {
    for (const violation of detail.fieldViolations) {
      fields.set(violation.field, [...(fields.get(violation.field) ?? []), violation.description]);
    }
  }
  return { code: error.code, message: sentenceFor(error), fields };
}

/**
 * True when no answer came at all: fetch failed or the response body broke off (the controller stopped, was
 * killed, or the network went), which connect-web reports as UNKNOWN with the browser's TypeError as the cause.
 */
function isNetworkFailure(error: ConnectError): boolean {
  return error.code === Code.Unknown && error.cause instanceof TypeError;
}

function sentenceFor(error: ConnectError): string {
  const said = error.rawMessage;
  if (isNetworkFailure(error)) return `The controller is not reachable right now (${said}); retrying.`;
  switch (error.code) {
    case Code.Unauthenticated:
      return `The controller did not accept the token: ${said}`;
    case Code.PermissionDenied:
      return `Your role does not allow this: ${said}`;
    case Code.Unavailable:
      return `The controller is not reachable right now (${said}); retrying.`;
    case Code.NotFound:
      return `Not found: ${said}`;
    default:
      return said || `The request failed (${Code[error.code]})`;
  }
}

/** True when a retry may succeed: the controller restarting, a replica handing over, the network. */
export function isTransient(err: unknown): boolean {
  const error = ConnectError.from(err);
  const code = error.code;
  return isNetworkFailure(error) || code === Code.Unavailable || code === Code.DeadlineExceeded || code === Code.ResourceExhausted || code === Code.Aborted;
}
