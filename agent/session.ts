/**
 * The agent's one long-lived `AgentService/Session` stream: hello first,
 * heartbeats at the server-chosen interval, log batches, and request/reply
 * pairs matched by request id. When the stream fails or ends it reconnects
 * with jittered exponential backoff, forever, until stopped; only a refused
 * credential (UNAUTHENTICATED) is fatal. Requests still waiting for a reply
 * (a recipe's `ss-get`) are sent again on the new stream.
 *
 * With several controller replicas, the session belongs with the one that
 * drives the run: a replica that does not sends a Redirect naming it, and the
 * session reconnects there at once and keeps to it. A redirect without an
 * address (the run has no owner right now, a takeover is under way) makes
 * it ask the same replica again about every second, and move on after
 * fifteen such answers. An address that cannot
 * be reached (its connection attempt fails) sends the session, after the
 * backoff, to the next address of the agent's list; a replica that is only
 * slow to accept, or that ends a stream, is kept.
 */
import { type ClientDuplexStream, connectivityState, status, type StatusObject } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type {
  AgentAbort,
  AgentHello,
  AgentServiceClient,
  KillScripts,
  Redirect,
  ParameterGet,
  ParameterGetAll,
  ParameterGetAllReply,
  ParameterReply,
  ParameterSet,
  ReportMissing,
  RequestAck,
  SessionRequest,
  SessionResponse,
  SessionWelcome,
  Shutdown,
  StateCommand,
} from '../proto/gen/slipstream/v1/agent.js';
import { scaleHookFromProto } from '../common/convert/scale-hooks.js';
import { Backoff, type BackoffOptions, sleep } from './backoff.js';
import { bearer, statusName } from './channel.js';
import { isControllerAddress } from './config.js';
import type { ControllerRoute } from './controller-channels.js';
import type { AgentLogger } from './log.js';
import type { LogBuffer } from './log-buffer.js';
import { DEFAULT_LOG_SHIPPING, LogShipper, type LogShipperOptions } from './log-shipper.js';

/** Heartbeat interval when the welcome names none. */
export const DEFAULT_HEARTBEAT_MS = 10_000;

/** While the controller cannot be reached, a warning this often. */
const UNREACHABLE_LOG_INTERVAL_MS = 30_000;

/**
 * With other addresses to try, how long one may take to connect before the
 * next is tried. One that refuses connections fails at once; this bounds one
 * whose packets are dropped.
 */
const CONNECT_ATTEMPT_MS = 10_000;

/**
 * Redirects followed at once, without a welcome between them; after that the
 * backoff applies, so that replicas that disagree about a run's owner for a
 * moment cannot make the agent spin between them.
 */
const IMMEDIATE_REDIRECTS = 2;

/** How long after an address failed to connect a redirect to it is taken as "no owner yet". */
const RECENTLY_UNREACHABLE_MS = 5_000;

/** About how often an agent asks again while no replica drives its run (jittered from half to one and a half times). */
const NO_OWNER_RETRY_MS = 1_000;
/**
 * "No owner" answers in a row from one replica after which the agent tries
 * the next address: more than a default lease (10 s) of them, as moving on
 * during a takeover only leads the agent through the dead replica's address
 * and its backoff (the bench's 1,000 agents came back 7.8 s after the
 * takeover with 5).
 */
const NO_OWNER_ANSWERS_BEFORE_MOVING_ON = 15;

/** What the session does with what the controller says. */
export interface SessionHandlers {
  /** The hello of a new stream, from the persisted state. */
  hello(): AgentHello;
  welcome(welcome: SessionWelcome): void;
  state(command: StateCommand): void;
  killScripts(command: KillScripts): void;
  shutdown(command: Shutdown): void;
  /** The session cannot go on (credential refused); it has stopped. */
  fatal(error: Error): void;
}

/** Request bodies by kind (the session adds the request id). */
export interface SessionRequestBodies {
  parameterGet: Omit<ParameterGet, 'requestId'>;
  parameterSet: Omit<ParameterSet, 'requestId'>;
  parameterGetAll: Omit<ParameterGetAll, 'requestId'>;
  abort: Omit<AgentAbort, 'requestId'>;
  reportMissing: Omit<ReportMissing, 'requestId'>;
}

/** Replies by request kind. */
export interface SessionReplies {
  parameterGet: ParameterReply;
  parameterSet: RequestAck;
  parameterGetAll: ParameterGetAllReply;
  abort: RequestAck;
  reportMissing: RequestAck;
}

export type SessionRequestKind = keyof SessionRequestBodies;

/** The controller refused the credential (revoked: the run ended, or another controller's). */
export class CredentialRefusedError extends Error {
  constructor(detail: string) {
    super(`the controller refused the agent credential (UNAUTHENTICATED): ${detail}`);
    this.name = 'CredentialRefusedError';
  }
}

/** A request ended without a reply: the session stopped or the caller gave up. */
export class RequestCancelledError extends Error {}

/** Everything a session needs. */
export interface SessionOptions {
  /** Where the stream goes: the controller address now, and the next one when it fails. */
  route: ControllerRoute;
  credential: string;
  backoff: BackoffOptions;
  log: AgentLogger;
  logs: LogBuffer;
  handlers: SessionHandlers;
  shipping?: LogShipperOptions;
}

interface Pending {
  kind: SessionRequestKind;
  build(): SessionRequest;
  resolve(reply: unknown): void;
  reject(err: Error): void;
}

type Call = ClientDuplexStream<SessionRequest, SessionResponse>;

/** How a stream ended: its status, whether it was welcomed, and the redirect it carried (an address, or '' for none). */
interface StreamEnd {
  code: status;
  details: string;
  welcomed: boolean;
  redirect: string | undefined;
}

/** The reconnecting session stream. */
export class AgentSession {
  private readonly backoff: Backoff;
  private readonly shipper: LogShipper;
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomBytes(4).toString('hex');
  private nextId = 1;
  private call: Call | undefined;
  private welcomed = false;
  /** The redirect the current stream carried. */
  private redirect: Redirect | undefined;
  private redirectsInARow = 0;
  /** When each address last failed to connect. */
  private readonly unreachable = new Map<string, number>();
  private noOwnerInARow = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SessionOptions) {
    this.backoff = new Backoff(options.backoff);
    this.shipper = new LogShipper(options.logs, options.shipping ?? DEFAULT_LOG_SHIPPING);
  }

  /** Starts connecting (and reconnecting) in the background. */
  start(): void {
    this.loop ??= this.run();
  }

  /** True between a welcome and the end of that stream. */
  get connected(): boolean {
    return this.welcomed;
  }

  /** Sends a one-way message if a stream is up; false when it was not sent. */
  send(message: NonNullable<SessionRequest['message']>): boolean {
    if (!this.call || !this.welcomed) return false;
    this.shipper.writeWaiting();
    this.call.write({ message });
    return true;
  }

  /**
   * Sends a request and resolves with the controller's reply. The request is
   * re-sent on every new stream until answered; it rejects with
   * RequestCancelledError when `signal` aborts or the session stops. A
   * waiting get's `timeoutMs` counts down across reconnects.
   */
  request<K extends SessionRequestKind>(kind: K, body: SessionRequestBodies[K], signal?: AbortSignal): Promise<SessionReplies[K]> {
    const requestId = `${this.idPrefix}-${this.nextId++}`;
    const waitMs = 'timeoutMs' in body && 'wait' in body && body.wait && body.timeoutMs > 0 ? body.timeoutMs : 0;
    const deadline = Date.now() + waitMs;
    let sends = 0;
    const build = (): SessionRequest => {
      const value = { ...body, requestId } as Record<string, unknown>;
      // A re-send (new stream) asks only for the time that is left.
      if (waitMs > 0 && sends++ > 0) value.timeoutMs = Math.max(1, deadline - Date.now());
      return { message: { $case: kind, value } } as unknown as SessionRequest;
    };
    return new Promise<SessionReplies[K]>((resolve, reject) => {
      if (this.stopping.signal.aborted) return reject(new RequestCancelledError('the agent is stopping'));
      if (signal?.aborted) return reject(new RequestCancelledError('request cancelled'));
      const onAbort = (): void => {
        this.pending.delete(requestId);
        reject(new RequestCancelledError('request cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(requestId, {
        kind,
        build,
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reply as SessionReplies[K]);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      if (this.call && this.welcomed) {
        this.shipper.writeWaiting();
        this.call.write(build());
      }
    });
  }

  /** Requests waiting for a reply. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Drains: sends the queued log lines (up to `drainMs`), half-closes the stream, rejects waiting requests. */
  async stop(drainMs = 2_000): Promise<void> {
    if (this.stopping.signal.aborted) return this.loop;
    if (this.welcomed) await this.shipper.flush(drainMs);
    this.stopping.abort();
    const call = this.call;
    if (call) {
      call.end();
      const ended = new Promise<void>((r) => call.once('status', () => r()));
      const timer = new Promise<void>((r) => setTimeout(r, drainMs).unref());
      await Promise.race([ended, timer]);
      call.cancel();
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new RequestCancelledError('the agent is stopping'));
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const { log, route } = this.options;
    while (!this.stopping.signal.aborted) {
      const client = route.client;
      const ready = route.hasAlternatives ? await this.connectedOrFailed(client) : await this.channelReady(client);
      if (ready === 'stopped') break;
      if (ready === 'failed') {
        this.unreachable.set(route.address, Date.now());
        const delayMs = this.backoff.next();
        log.warn({ controller: route.address, attempt: this.backoff.attempts, delayMs }, 'controller unreachable; trying the next address');
        route.failed();
        await sleep(delayMs, this.stopping.signal);
        continue;
      }
      const end = await this.connectOnce(client);
      if (this.stopping.signal.aborted) break;
      if (end.welcomed) this.redirectsInARow = 0;
      // A redirect to a replica that just refused the connection (the owner died; its lease has not lapsed yet) is
      // taken as "no owner yet": followed, it would only lead through the refusal and a growing backoff again.
      if (end.redirect && Date.now() - (this.unreachable.get(end.redirect) ?? -Infinity) < RECENTLY_UNREACHABLE_MS) end.redirect = '';
      if (end.welcomed || end.redirect) this.noOwnerInARow = 0;
      if (end.redirect) {
        const from = route.address;
        route.prefer(end.redirect);
        // The first redirects are followed at once: the owner is known and up.
        const delayMs = ++this.redirectsInARow > IMMEDIATE_REDIRECTS ? this.backoff.next() : 0;
        log.info({ from, controller: end.redirect, delayMs }, 'redirected to the controller replica that drives the run');
        if (delayMs > 0) await sleep(delayMs, this.stopping.signal);
        continue;
      }
      if (end.redirect === '') {
        // A live replica says nobody drives the run right now (a takeover is under way): every replica reads the same
        // table, so the agent asks it again soon, without the growing backoff, to be back right after the takeover;
        // only a replica that keeps saying so is left for the next address.
        if (++this.noOwnerInARow >= NO_OWNER_ANSWERS_BEFORE_MOVING_ON) {
          this.noOwnerInARow = 0;
          route.failed();
        }
        const delayMs = NO_OWNER_RETRY_MS / 2 + Math.random() * NO_OWNER_RETRY_MS;
        log.info({ controller: route.address, delayMs }, 'no controller replica drives the run right now; asking again');
        await sleep(delayMs, this.stopping.signal);
        continue;
      }
      if (end.code === status.UNAUTHENTICATED) {
        this.stopping.abort();
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.reject(new RequestCancelledError('the agent credential was refused'));
        }
        this.options.handlers.fatal(new CredentialRefusedError(end.details));
        break;
      }
      const delayMs = this.backoff.next();
      log.warn({ code: statusName(end.code), details: end.details, attempt: this.backoff.attempts, delayMs }, 'session lost; reconnecting');
      await sleep(delayMs, this.stopping.signal);
    }
  }

  /**
   * Waits until the channel is connected: grpc-js redials on its own backoff
   * meanwhile. A stream opened on a channel that is down fails at once, so
   * without this wait a fleet that lost its controller spins through failed
   * calls (an error, a stack trace and a log line each) for as long as it is
   * down. False when the session stops first.
   */
  private async channelReady(client: AgentServiceClient): Promise<'ready' | 'stopped'> {
    const { log } = this.options;
    const signal = this.stopping.signal;
    for (let waitedMs = 0; ; waitedMs += UNREACHABLE_LOG_INTERVAL_MS) {
      if (signal.aborted) return 'stopped';
      const deadline = Date.now() + UNREACHABLE_LOG_INTERVAL_MS;
      const ready = await new Promise<boolean>((resolve) => {
        const stop = (): void => resolve(false);
        signal.addEventListener('abort', stop, { once: true });
        client.waitForReady(deadline, (err) => {
          signal.removeEventListener('abort', stop);
          resolve(!err);
        });
      });
      if (ready) return 'ready';
      if (signal.aborted) return 'stopped';
      // Failing before its deadline, the wait found the channel closed: nothing will connect any more.
      if (Date.now() < deadline) return 'stopped';
      log.warn({ waitedMs: waitedMs + UNREACHABLE_LOG_INTERVAL_MS }, 'controller unreachable; still trying');
    }
  }

  /**
   * With other addresses to try: waits until the channel is connected, or
   * says it failed as soon as its connection attempt failed (grpc-js keeps
   * retrying it in the background, so a replica that comes back is found
   * connected on a later turn).
   */
  private async connectedOrFailed(client: AgentServiceClient): Promise<'ready' | 'failed' | 'stopped'> {
    const signal = this.stopping.signal;
    const channel = client.getChannel();
    let deadline = Date.now() + CONNECT_ATTEMPT_MS;
    for (;;) {
      if (signal.aborted) return 'stopped';
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) return 'ready';
      if (state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN) return 'failed';
      const changed = await new Promise<boolean>((resolve) => {
        const stop = (): void => resolve(false);
        signal.addEventListener('abort', stop, { once: true });
        channel.watchConnectivityState(state, deadline, (err) => {
          signal.removeEventListener('abort', stop);
          resolve(!err);
        });
      });
      if (signal.aborted) return 'stopped';
      // Still connecting at the deadline: a replica slow to accept (loaded) is not a dead one, and moving on would only
      // bring a redirect back here; grpc-js fails a connection attempt that truly hangs (TRANSIENT_FAILURE), and that moves on.
      if (!changed) deadline = Date.now() + CONNECT_ATTEMPT_MS;
    }
  }

  private connectOnce(client: AgentServiceClient): Promise<StreamEnd> {
    const { credential, handlers, log } = this.options;
    return new Promise((resolve) => {
      const call = client.session(bearer(credential));
      this.call = call;
      this.redirect = undefined;
      let ended = false;
      let welcomed = false;
      call.once('data', (response: SessionResponse) => (welcomed = response.message?.$case === 'welcome'));
      const end = (s: Pick<StatusObject, 'code' | 'details'>): void => {
        if (ended) return;
        ended = true;
        this.call = undefined;
        this.welcomed = false;
        clearInterval(this.heartbeat);
        this.shipper.detach();
        const redirect = this.redirect === undefined ? undefined : isControllerAddress(this.redirect.address) ? this.redirect.address : '';
        resolve({ code: s.code, details: s.details, welcomed, redirect });
      };
      call.on('data', (response: SessionResponse) => {
        try {
          this.dispatch(call, response);
        } catch (err) {
          log.error({ err: err as Error }, 'session message handler failed');
        }
      });
      call.on('error', (err: Error & { code?: number; details?: string }) => {
        end({ code: (err.code ?? status.UNKNOWN) as status, details: err.details ?? err.message });
      });
      call.on('status', (s: StatusObject) => end(s));
      call.on('end', () => setImmediate(() => end({ code: status.UNAVAILABLE, details: 'stream ended' })));
      call.write({ message: { $case: 'hello', value: handlers.hello() } });
    });
  }

  private dispatch(call: Call, response: SessionResponse): void {
    const { handlers, log } = this.options;
    const message = response.message;
    if (!message) return;
    switch (message.$case) {
      case 'welcome':
        this.onWelcome(call, message.value);
        return;
      case 'state':
        handlers.state(message.value);
        return;
      case 'parameter':
      case 'parameterGetAll':
      case 'ack': {
        const p = this.pending.get(message.value.requestId);
        if (!p) {
          log.debug({ requestId: message.value.requestId }, 'reply for an unknown request ignored');
          return;
        }
        this.pending.delete(message.value.requestId);
        p.resolve(message.value);
        return;
      }
      case 'killScripts':
        handlers.killScripts(message.value);
        return;
      case 'shutdown':
        handlers.shutdown(message.value);
        return;
      case 'redirect':
        this.onRedirect(call, message.value);
        return;
      case 'scale':
        // The scale context travels with StateCommand/SessionWelcome; a bare one carries no state to run it in.
        log.info({ hook: scaleHookFromProto(message.value) }, 'standalone scale message ignored');
        return;
    }
  }

  /**
   * Ends the stream at once (the controller ends it too, UNAVAILABLE): the
   * loop reconnects where the redirect points. Requests still waiting go
   * again on the next stream, as after any reconnect.
   */
  private onRedirect(call: Call, redirect: Redirect): void {
    const { log } = this.options;
    if (!isControllerAddress(redirect.address) && redirect.address !== '') {
      log.warn({ address: redirect.address }, 'redirect to a malformed address treated as one without an address');
    }
    this.redirect = redirect;
    log.debug({ controller: redirect.address, reason: redirect.reason }, 'redirect received');
    call.cancel();
  }

  private onWelcome(call: Call, welcome: SessionWelcome): void {
    const { log } = this.options;
    this.welcomed = true;
    this.backoff.reset();
    const interval = welcome.heartbeatIntervalMs > 0 ? welcome.heartbeatIntervalMs : DEFAULT_HEARTBEAT_MS;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.send({ $case: 'heartbeat', value: { time: new Date() } }), interval);
    this.heartbeat.unref();
    log.info({ heartbeatIntervalMs: interval, pendingRequests: this.pending.size }, 'session established');
    this.shipper.attach((batch, done) => {
      if (this.call !== call) return done();
      call.write({ message: { $case: 'logs', value: batch } }, () => done());
    });
    // The lines written while away first, then unanswered requests (an abort must reach the controller before the
    // completion that follows it), then what the welcome sets off.
    this.shipper.writeWaiting();
    for (const p of this.pending.values()) call.write(p.build());
    this.options.handlers.welcome(welcome);
  }
}
