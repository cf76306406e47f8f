/**
 * Enrollment: the one call that carries the bootstrap token, exchanged for the
 * instance's scoped credential. A refused token is fatal; anything else
 * (controller not up yet, network) is retried with backoff, at the next of
 * the agent's controller addresses (any replica enrolls).
 */
import { Metadata, status } from '@grpc/grpc-js';
import type { AgentServiceClient, EnrollRequest, EnrollResponse } from '../proto/gen/slipstream/v1/agent.js';
import type { ControllerPicker } from './controller-channels.js';
import { Backoff, type BackoffOptions, sleep } from './backoff.js';
import { grpcCode, statusName } from './channel.js';
import type { AgentLogger } from './log.js';

/** The controller refused the bootstrap token (used, expired, revoked or wrong). */
export class EnrollRefusedError extends Error {
  constructor(
    readonly code: status,
    detail: string,
  ) {
    super(`the controller refused the bootstrap token (${statusName(code)}): ${detail}`);
    this.name = 'EnrollRefusedError';
  }
}

/** Thrown when enrollment was cancelled by `signal`. */
export class EnrollCancelledError extends Error {}

const REFUSED = new Set<status>([status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.FAILED_PRECONDITION]);

/** Per-attempt deadline. */
const ENROLL_DEADLINE_MS = 30_000;

/** Calls Enroll until it succeeds, is refused (EnrollRefusedError) or `signal` aborts. */
export async function enroll(
  controllers: ControllerPicker,
  request: EnrollRequest,
  options: { backoff: BackoffOptions; log: AgentLogger; signal: AbortSignal },
): Promise<EnrollResponse> {
  const backoff = new Backoff(options.backoff);
  for (;;) {
    if (options.signal.aborted) throw new EnrollCancelledError('enrollment cancelled');
    try {
      return await enrollOnce(controllers.client, request, options.signal);
    } catch (err) {
      // Cancelled by the agent's own stop: nothing failed, and there is nothing to retry.
      if (options.signal.aborted) throw new EnrollCancelledError('enrollment cancelled');
      const code = grpcCode(err);
      if (code !== undefined && REFUSED.has(code)) {
        throw new EnrollRefusedError(code, (err as { details?: string }).details ?? (err as Error).message);
      }
      const delayMs = backoff.next();
      options.log.warn({ code: statusName(code), controller: controllers.address, attempt: backoff.attempts, delayMs, err: err as Error }, 'enroll failed; retrying');
      controllers.failed();
      await sleep(delayMs, options.signal);
    }
  }
}

function enrollOnce(client: AgentServiceClient, request: EnrollRequest, signal: AbortSignal): Promise<EnrollResponse> {
  return new Promise((resolve, reject) => {
    const call = client.enroll(request, new Metadata(), { deadline: Date.now() + ENROLL_DEADLINE_MS }, (err, response) => {
      signal.removeEventListener('abort', cancel);
      if (err) reject(err);
      else resolve(response);
    });
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
  });
}
