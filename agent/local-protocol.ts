/**
 * The JSON-lines protocol between the recipe commands (`ss-get`, ...) and the
 * running agent over its socket (AgentPaths.socketPath): one request line, one response
 * line, per connection.
 */

/** The largest parameter value, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Longest request line the agent reads (a maximal value, JSON-escaped). */
export const MAX_REQUEST_BYTES = 8 * MAX_VALUE_BYTES;

/** A recipe command's request. Keys are passed as typed: the controller qualifies them. */
export type LocalRequest =
  | { op: 'get'; key: string; wait: boolean; timeoutMs: number }
  | { op: 'set'; key: string; value: string }
  | { op: 'getAll'; node: string; key: string; wait: boolean; timeoutMs: number }
  | { op: 'abort'; message: string; cancel: boolean };

/**
 * The agent's answer. `error` is the controller's code (`timeout`, `aborted`,
 * `not-found`, `invalid`, ...) or the agent's own (`unavailable`, `too-large`, `bad-request`).
 */
export type LocalResponse =
  | { ok: true; value?: string; found?: boolean; values?: string[] }
  | { ok: false; error: string; message: string };

/** Thrown for a malformed request line. */
export class LocalRequestError extends Error {}

/** Validates a parsed request line. */
export function parseLocalRequest(raw: unknown): LocalRequest {
  if (!raw || typeof raw !== 'object') throw new LocalRequestError('request must be a JSON object');
  const r = raw as Record<string, unknown>;
  const str = (field: string): string => {
    if (typeof r[field] !== 'string') throw new LocalRequestError(`${field} must be a string`);
    return r[field] as string;
  };
  const bool = (field: string): boolean => r[field] === true;
  const ms = (field: string): number => {
    const v = r[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2_147_483_647) {
      throw new LocalRequestError(`${field} must be an integer between 0 and 2147483647`);
    }
    return v;
  };
  switch (r.op) {
    case 'get':
      return { op: 'get', key: str('key'), wait: bool('wait'), timeoutMs: ms('timeoutMs') };
    case 'set':
      return { op: 'set', key: str('key'), value: str('value') };
    case 'getAll':
      return { op: 'getAll', node: str('node'), key: str('key'), wait: bool('wait'), timeoutMs: ms('timeoutMs') };
    case 'abort':
      return { op: 'abort', message: str('message'), cancel: bool('cancel') };
    default:
      throw new LocalRequestError('op must be get, set, getAll or abort');
  }
}
