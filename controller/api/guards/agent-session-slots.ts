/**
 * At most a few AgentService Session streams per agent credential: a real
 * agent holds one, and two while a reconnect overlaps the stream it gave up
 * on; a hostile VM must not hold thousands. Opening one more ends the oldest
 * instead of refusing the newest: a stream whose connection died silently
 * stays open on this side until the connection is found dead, and a refusal
 * would lock a real agent out of its run for that long.
 */
import { createHash } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ResourceExhaustedError } from '../../../common/errors.js';
import { toStatus } from '../errors.js';

type SessionCall = ServerDuplexStream<unknown, unknown>;

/** Open sessions by credential, oldest first. */
export class AgentSessionSlots {
  private readonly open = new Map<string, SessionCall[]>();

  /**
   * @param maxPerCredential - 0 turns the limit off.
   */
  constructor(
    private readonly maxPerCredential: number,
    private readonly log: Logger,
  ) {}

  /** Sessions open under the credential in `metadata` (for tests). */
  count(credential: string): number {
    return this.open.get(keyOf(`Bearer ${credential}`) ?? '')?.length ?? 0;
  }

  /** Wraps the Session handler: counts each stream under its credential, ending the oldest past the limit. */
  limit<Call extends SessionCall>(handler: (call: Call) => void): (call: Call) => void {
    if (this.maxPerCredential <= 0) return handler;
    return (call) => {
      const header = call.metadata.get('authorization')[0];
      const key = typeof header === 'string' ? keyOf(header) : undefined;
      // Without a credential the handler refuses the call at once; there is nothing to count.
      if (key !== undefined) this.hold(key, call);
      handler(call);
    };
  }

  private hold(key: string, call: SessionCall): void {
    const calls = this.open.get(key) ?? [];
    this.open.set(key, calls);
    calls.push(call);
    const release = () => {
      const at = calls.indexOf(call);
      if (at !== -1) calls.splice(at, 1);
      if (calls.length === 0 && this.open.get(key) === calls) this.open.delete(key);
    };
    // 'cancelled' is emitted once whenever the call ends, whoever ended it.
    call.once('cancelled', release);
    if (call.cancelled) release();
    while (calls.length > this.maxPerCredential) {
      const oldest = calls.shift()!;
      this.log.warn({ sessions: calls.length + 1, max: this.maxPerCredential }, 'agent session ended: too many open with one credential');
      const err = new ResourceExhaustedError(
        `a newer session with this agent credential replaced this one: at most ${this.maxPerCredential} may be open at once`,
        { limit: 'sessions_per_agent', max: String(this.maxPerCredential) },
        { reason: 'TOO_MANY_SESSIONS' },
      );
      oldest.emit('error', toStatus(err, this.log));
    }
  }
}

/** The credential of `Bearer <credential>` metadata, hashed (spelling of the scheme and spacing do not matter). */
function keyOf(header: string): string | undefined {
  const credential = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  return credential === undefined ? undefined : createHash('sha256').update(credential).digest('base64url');
}
