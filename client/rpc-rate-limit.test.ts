/**
 * The client repeats a call a rate limit refused (it never ran), after the
 * wait the controller asked for, within the call's deadline and until its
 * signal aborts; any other error is the caller's at once.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Any } from '../proto/gen/google/protobuf/any.js';
import { ErrorInfo, RetryInfo } from '../proto/gen/google/rpc/error_details.js';
import { Status } from '../proto/gen/google/rpc/status.js';
import { CancelledError, NotFoundError, ResourceExhaustedError } from './errors.js';
import { compileClientOptions } from './options.js';
import { Rpc, type UnaryMethod } from './rpc.js';
import { STATUS_DETAILS_KEY } from './status-details.js';

function refusal(reason: string, retryMs?: number): ServiceError {
  const details: Any[] = [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(ErrorInfo.encode({ reason, domain: 'slipstream.dev', metadata: {} }).finish()) }];
  if (retryMs !== undefined) {
    const retryDelay = { seconds: Math.floor(retryMs / 1000), nanos: (retryMs % 1000) * 1e6 };
    details.push({ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: Buffer.from(RetryInfo.encode({ retryDelay }).finish()) });
  }
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(Status.encode({ code: status.RESOURCE_EXHAUSTED, message: reason, details }).finish()));
  return Object.assign(new Error(reason), { code: status.RESOURCE_EXHAUSTED, details: reason, metadata });
}

/** A unary method answering each call with the next outcome, counting the calls. */
function scripted(outcomes: (ServiceError | string)[]): UnaryMethod<object, string> & { calls: number } {
  const method = ((_req: object, _md: Metadata, _opts: object, callback: (err: ServiceError | null, res: string) => void) => {
    const outcome = outcomes[Math.min(method.calls++, outcomes.length - 1)]!;
    setImmediate(() => (typeof outcome === 'string' ? callback(null, outcome) : callback(outcome, '')));
    return { cancel: () => undefined };
  }) as UnaryMethod<object, string> & { calls: number };
  method.calls = 0;
  return method;
}

const rpc = new Rpc(compileClientOptions({ address: '127.0.0.1:1' }));

describe('Rpc.unary and rate limits', () => {
  it('waits and repeats a call refused by a rate limit until it goes through', async () => {
    const method = scripted([refusal('RATE_LIMITED', 20), refusal('RATE_LIMITED', 20), 'done']);
    const started = performance.now();
    expect(await rpc.unary(method, {})).toBe('done');
    expect(method.calls).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
  });

  it('does not repeat other refusals: a quota, a limit without a wait, a missing module', async () => {
    for (const error of [refusal('RESOURCE_EXHAUSTED'), refusal('TOO_MANY_STREAMS', 5000)]) {
      const method = scripted([error, 'done']);
      await expect(rpc.unary(method, {})).rejects.toBeInstanceOf(ResourceExhaustedError);
      expect(method.calls).toBe(1);
    }
    const notFound = Object.assign(new Error('gone'), { code: status.NOT_FOUND, details: 'gone', metadata: new Metadata() });
    await expect(rpc.unary(scripted([notFound, 'done']), {})).rejects.toBeInstanceOf(NotFoundError);
  });

  it('gives up when the wait would pass the deadline, with the refusal', async () => {
    const method = scripted([refusal('RATE_LIMITED', 5_000), 'done']);
    await expect(rpc.unary(method, {}, { timeoutMs: 1_000 })).rejects.toMatchObject({ reason: 'RATE_LIMITED', retryDelayMs: 5_000 });
    expect(method.calls).toBe(1);
  });

  it('stops waiting when the caller aborts', async () => {
    const controller = new AbortController();
    const method = scripted([refusal('RATE_LIMITED', 10_000), 'done']);
    const call = rpc.unary(method, {}, { signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    expect(method.calls).toBe(1);
  });
});
