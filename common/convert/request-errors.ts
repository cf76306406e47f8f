/**
 * The errors of an agent's requests (parameter get/set/get-all, abort) between
 * their domain names and the wire. The wire carries a RequestErrorCode and,
 * for agents older than the code, the same error as text in the deprecated
 * `error` field: the controller fills both, the agent reads the code first.
 */
import { RequestErrorCode } from '../../proto/gen/slipstream/v1/agent.js';

/** Why the controller refused or could not answer a request; also the text of the deprecated `error` field. */
export type RequestError = 'invalid' | 'not-found' | 'not-set' | 'permission-denied' | 'resource-exhausted' | 'timeout' | 'aborted' | 'unavailable';

const TO_PROTO: Record<RequestError, RequestErrorCode> = {
  invalid: RequestErrorCode.REQUEST_ERROR_CODE_INVALID,
  'not-found': RequestErrorCode.REQUEST_ERROR_CODE_NOT_FOUND,
  'not-set': RequestErrorCode.REQUEST_ERROR_CODE_NOT_SET,
  'permission-denied': RequestErrorCode.REQUEST_ERROR_CODE_PERMISSION_DENIED,
  'resource-exhausted': RequestErrorCode.REQUEST_ERROR_CODE_RESOURCE_EXHAUSTED,
  timeout: RequestErrorCode.REQUEST_ERROR_CODE_TIMEOUT,
  aborted: RequestErrorCode.REQUEST_ERROR_CODE_ABORTED,
  unavailable: RequestErrorCode.REQUEST_ERROR_CODE_UNAVAILABLE,
};
const FROM_PROTO = new Map(Object.entries(TO_PROTO).map(([name, code]) => [code, name as RequestError]));

/** The error fields of a reply: both the code and, for older agents, the text. No error: all empty. */
export interface RequestErrorFields {
  errorCode: RequestErrorCode;
  error: string;
  errorMessage: string;
}

/** The fields of a reply that failed with `error` (or, without one, succeeded). */
export function requestErrorToProto(error?: RequestError, message = ''): RequestErrorFields {
  if (error === undefined) return { errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED, error: '', errorMessage: '' };
  return { errorCode: TO_PROTO[error], error, errorMessage: message };
}

/**
 * A reply's error, undefined when it succeeded: the code when set, else the
 * text an older controller sent. A code this agent does not know (a newer
 * controller's) is named by that controller's text, or `error` without one:
 * the reply failed either way.
 */
export function requestErrorFromProto(reply: Pick<RequestErrorFields, 'errorCode' | 'error'>): string | undefined {
  if (reply.errorCode === RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED) return reply.error || undefined;
  return FROM_PROTO.get(reply.errorCode) ?? (reply.error || 'error');
}
