/**
 * The agent reads a reply's error from its code and falls back to the
 * deprecated text only when the code is unset (an older controller).
 */
import { describe, expect, it } from 'vitest';
import { requestErrorToProto } from '../common/convert/request-errors.js';
import { RequestErrorCode } from '../proto/gen/slipstream/v1/agent.js';
import type { LocalRequest } from './local-protocol.js';
import { createRecipeRequestHandler } from './recipe-requests.js';
import type { AgentSession } from './session.js';

type Fields = ReturnType<typeof requestErrorToProto>;

/** A session whose every request is answered with `fields` (and an empty value). */
function answering(fields: Fields): AgentSession {
  const request = async (kind: string) => {
    if (kind === 'parameterGet') return { requestId: 'r', key: 'k', value: '', found: false, ...fields };
    if (kind === 'parameterGetAll') return { requestId: 'r', values: [], ...fields };
    return { requestId: 'r', ...fields };
  };
  return { request } as unknown as AgentSession;
}

const REQUESTS: LocalRequest[] = [
  { op: 'get', key: 'db:host', wait: false, timeoutMs: 0 },
  { op: 'set', key: 'color', value: 'blue' },
  { op: 'getAll', node: 'db', key: 'host', wait: false, timeoutMs: 0 },
  { op: 'abort', message: 'disk full', cancel: false },
];

const handle = (fields: Fields, request: LocalRequest) => createRecipeRequestHandler(answering(fields))(request, new AbortController().signal);

describe('recipe requests read the error of a reply', () => {
  it('from its code when the controller sends no text', async () => {
    const codeOnly = { ...requestErrorToProto('not-found', 'no such parameter'), error: '' };
    for (const request of REQUESTS) {
      expect(await handle(codeOnly, request), request.op).toEqual({ ok: false, error: 'not-found', message: 'no such parameter' });
    }
  });

  it('from its code before its text', async () => {
    const both = { ...requestErrorToProto('timeout', 'timed out'), error: 'aborted' };
    for (const request of REQUESTS) expect(await handle(both, request), request.op).toMatchObject({ ok: false, error: 'timeout' });
  });

  it("from an older controller's text when the code is unset", async () => {
    const textOnly = { ...requestErrorToProto('permission-denied', 'web.1 may not set db.1:port'), errorCode: RequestErrorCode.REQUEST_ERROR_CODE_UNSPECIFIED };
    for (const request of REQUESTS) {
      expect(await handle(textOnly, request), request.op).toEqual({ ok: false, error: 'permission-denied', message: 'web.1 may not set db.1:port' });
    }
  });

  it('as none when neither is set', async () => {
    for (const request of REQUESTS) expect(await handle(requestErrorToProto(), request), request.op).toMatchObject({ ok: true });
  });
});
