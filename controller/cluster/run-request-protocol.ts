/**
 * What replicas write into run_requests: the request's body and the owner's
 * answer, as JSON in which Dates survive (a journal entry's `time`), and the
 * two NOTIFY channels that wake the owner and the asker.
 */
import type { RunInput } from '../domain/runs/types.js';
import type { ParameterSet } from '../scheduler/parameter-writer.js';
import type { SetOutcome } from '../scheduler/run-batch.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { ErrorJson } from './domain-error-json.js';

/** NOTIFY channel of new requests; the payload is the run's id. */
export const RUN_REQUESTS_CHANNEL = 'slipstream_run_requests';
/** NOTIFY channel of answers; the payload is the request's id. */
export const RUN_ANSWERS_CHANNEL = 'slipstream_run_answers';

/** Work for a run, sent to its owner. */
export type RunRequestBody =
  | { kind: 'dispatch'; input: RunInput }
  | { kind: 'sets'; sets: ParameterSet[] }
  | { kind: 'logs'; entries: JournalEntry[] };

/** What each kind of request resolves with. */
export interface RunRequestResults {
  dispatch: void;
  sets: SetOutcome;
  logs: void;
}

/** The owner's outcome of a request. */
export type RunRequestAnswer = { result: unknown } | { error: ErrorJson };

const DATE_TAG = '$date';

/** JSON in which every Date is `{"$date": ISO}`, for {@link parseRequestJson}. */
export function requestJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
    // JSON.stringify has already called toJSON: the Date itself is still on the holder.
    const raw = this[key];
    return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : encoded;
  });
}

/** Parses {@link requestJson}'s output, Dates included. */
export function parseRequestJson<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const tagged = (value as Record<string, unknown>)[DATE_TAG];
      if (keys.length === 1 && typeof tagged === 'string') return new Date(tagged);
    }
    return value;
  }) as T;
}
