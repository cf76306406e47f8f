import { describe, expect, it } from 'vitest';
import { RequestErrorCode } from '../../proto/gen/slipstream/v1/agent.js';
import { requestErrorFromProto, requestErrorToProto, type RequestError } from './request-errors.js';

const ALL: RequestError[] = ['invalid', 'not-found', 'not-set', 'permission-denied', 'resource-exhausted', 'timeout', 'aborted', 'unavailable'];

describe('request errors on the wire', () => {
  it('are sent as a code and, for older agents, as the same text; success as neither', () => {
    expect(requestErrorToProto('not-found', 'no such key')).toEqual({
      errorCode: RequestErrorCode.REQUEST_ERROR_CODE_NOT_FOUND,
      error: 'not-found',
      errorMessage: 'no such key',
    });
    expect(requestErrorToProto()).toEqual({ errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED, error: '', errorMessage: '' });
    const codes = ALL.map((e) => requestErrorToProto(e).errorCode);
    expect(new Set(codes).size).toBe(ALL.length);
    expect(codes).not.toContain(RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED);
  });

  it('are read from the code first, whatever the text says', () => {
    for (const e of ALL) expect(requestErrorFromProto({ errorCode: requestErrorToProto(e).errorCode, error: '' })).toBe(e);
    expect(requestErrorFromProto({ errorCode: RequestErrorCode.REQUEST_ERROR_CODE_TIMEOUT, error: 'aborted' })).toBe('timeout');
  });

  it("fall back to an older controller's text when the code is unset; neither set is success", () => {
    expect(requestErrorFromProto({ errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED, error: 'not-found' })).toBe('not-found');
    expect(requestErrorFromProto({ errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED, error: '' })).toBeUndefined();
  });

  it("name a newer controller's unknown code by its text, and fail the reply even without one", () => {
    const future = 99 as RequestErrorCode;
    expect(requestErrorFromProto({ errorCode: future, error: 'quota-exceeded' })).toBe('quota-exceeded');
    expect(requestErrorFromProto({ errorCode: future, error: '' })).toBe('error');
  });
});
