/**
 * The agent's side of the recipe commands: turns a local socket request into
 * a session request to the controller and the reply into a local response.
 * A waiting get also has a local deadline (the controller's timeout plus a
 * grace), so `ss-get --timeout S` ends even while the controller is away.
 */
import { requestErrorFromProto } from '../common/convert/request-errors.js';
import type { AgentSession } from './session.js';
import { RequestCancelledError } from './session.js';
import type { LocalRequest, LocalResponse } from './local-protocol.js';
import { MAX_VALUE_BYTES } from './local-protocol.js';
import type { LocalRequestHandler } from './local-socket.js';
import type { RequestAck } from '../proto/gen/slipstream/v1/agent.js';

/** Extra time the agent gives the controller to answer a timed wait before answering `timeout` itself. */
export const LOCAL_TIMEOUT_GRACE_MS = 1_000;

/** The handler the local socket serves. */
export function createRecipeRequestHandler(session: AgentSession): LocalRequestHandler {
  return async (request, hangUp) => {
    const tooBig = oversized(request);
    if (tooBig) return tooBig;
    const cancel = new AbortController();
    const onHangUp = (): void => cancel.abort();
    hangUp.addEventListener('abort', onHangUp, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const waitMs = request.op === 'get' || request.op === 'getAll' ? (request.wait ? request.timeoutMs : 0) : 0;
    const localTimeout = new Promise<LocalResponse>((resolve) => {
      if (waitMs <= 0) return;
      timer = setTimeout(() => {
        cancel.abort();
        resolve({ ok: false, error: 'timeout', message: 'no answer from the controller in time' });
      }, waitMs + LOCAL_TIMEOUT_GRACE_MS);
    });
    try {
      return await Promise.race([forward(session, request, cancel.signal), localTimeout]);
    } catch (err) {
      if (err instanceof RequestCancelledError) return { ok: false, error: 'unavailable', message: err.message };
      throw err;
    } finally {
      clearTimeout(timer);
      hangUp.removeEventListener('abort', onHangUp);
    }
  };
}

async function forward(session: AgentSession, request: LocalRequest, signal: AbortSignal): Promise<LocalResponse> {
  switch (request.op) {
    case 'get': {
      const reply = await session.request('parameterGet', { key: request.key, wait: request.wait, timeoutMs: request.timeoutMs }, signal);
      const error = requestErrorFromProto(reply);
      if (error) return { ok: false, error, message: reply.errorMessage };
      return { ok: true, value: reply.value, found: reply.found };
    }
    case 'set': {
      return acked(await session.request('parameterSet', { key: request.key, value: request.value }, signal));
    }
    case 'getAll': {
      const reply = await session.request(
        'parameterGetAll',
        { node: request.node, key: request.key, wait: request.wait, timeoutMs: request.timeoutMs },
        signal,
      );
      const error = requestErrorFromProto(reply);
      if (error) return { ok: false, error, message: reply.errorMessage };
      return { ok: true, values: reply.values };
    }
    case 'abort': {
      return acked(await session.request('abort', { message: request.message, cancel: request.cancel }, signal));
    }
  }
}

function acked(ack: RequestAck): LocalResponse {
  const error = requestErrorFromProto(ack);
  return error ? { ok: false, error, message: ack.errorMessage } : { ok: true };
}

function oversized(request: LocalRequest): LocalResponse | undefined {
  const value = request.op === 'set' ? request.value : request.op === 'abort' ? request.message : '';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes <= MAX_VALUE_BYTES) return undefined;
  return { ok: false, error: 'too-large', message: `value is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES} bytes (64 KiB)` };
}
