import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import type { AgentPrincipal } from '../../auth/agent-authenticator.js';
import { hasNul, withoutNul } from '../../domain/runs/agent-text.js';
import { agentMaySet, controllerWrittenKey, MAX_PARAMETER_VALUE_BYTES, qualifyParameterKey, valueTooLarge } from '../../domain/runs/parameter-keys.js';
import { activeInstances, instanceNamed } from '../../domain/runs/instance-lookups.js';
import { reportMissingEvent } from '../../domain/runs/report-missing.js';
import { isFinal } from '../../../common/runs/states.js';
import type { AgentHub } from '../../scheduler/agent-hub.js';
import { waitForValues, type WaitResult } from '../../scheduler/parameter-waits.js';
import { NO_PARAMETER_WAIT_METRICS, type ParameterWaitMetrics } from '../../metrics/ports.js';
import type { RunBus } from '../../scheduler/run-bus.js';
import type { RunEngine } from '../../scheduler/run-engine.js';
import type { AgentRouting } from '../../scheduler/run-ownership.js';
import { runStateFromProto, runStateToProto } from '../../../common/convert/runs.js';
import { requestErrorToProto, type RequestError } from '../../../common/convert/request-errors.js';
import { agentCommandFor, type AgentCommand } from '../../domain/runs/agent-command.js';
import { agentCommandToProto, scaleCommandToProto } from './agent-command-proto.js';
import { logEntriesOf } from './agent-log-lines.js';
import { agentPlanFor } from './agent-plan.js';
import { heartbeatIntervalMs } from './heartbeat-interval.js';

export interface SessionDeps {
  engine: RunEngine;
  bus: RunBus;
  hub: AgentHub;
  /** Which replica drives each run: a session of a run this replica does not drive is sent to its owner. */
  owners: AgentRouting;
  log: Logger;
  /** Where waiting gets are counted; default: nowhere. */
  metrics?: ParameterWaitMetrics;
}

type Redirect = Extract<AgentCommand, { type: 'redirect' }>;

type Call = ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>;

/**
 * Most gets (and get-alls) one session may have waiting at once: each holds
 * subscriptions and a timer until its value comes, and a VM must not make the
 * controller hold millions. Recipes wait on a handful.
 */
export const MAX_WAITING_GETS = 1_000;

/** What an agent is told when the controller failed to handle its request (the cause is in the controller's log). */
const HANDLER_FAILED = 'the controller could not handle the request; try again';
const TOO_MANY_WAITS = `more than ${MAX_WAITING_GETS} gets of this agent are waiting; wait for some to end`;

/** Why a session's own signal aborted: it closed (nothing reads the reason; its waits end on `aborted`). */
const SESSION_CLOSED = Object.freeze({ sessionClosed: true });

/** One agent's session stream: the controller's side of everything an agent asks and is told. */
export class AgentSession {
  private readonly cancel = new AbortController();
  private unregister: (() => void) | undefined;
  private unsubscribeRun: (() => void) | undefined;
  private readonly log: Logger;
  /** Set by the agent's hello: log lines are journaled only after it. */
  private helloed = false;
  private logsBeforeHello = 0;
  private waitingGets = 0;

  constructor(
    private readonly call: Call,
    private readonly agent: AgentPrincipal,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.log.child({ runId: agent.runId, instance: agent.instance });
  }

  /**
   * Runs the session until the agent or the controller ends it. `signal` is
   * the call's (call-handlers.ts): when the agent goes away, the session
   * closes, and with it every wait of its gets.
   */
  start(signal: AbortSignal): void {
    const end = () => this.close();
    this.call.on('end', end);
    signal.addEventListener('abort', end, { once: true });
    this.call.on('error', end);
    this.call.on('close', end);
    // Before anything is read: a session of a run driven elsewhere never reaches the hub or the engine here.
    if (!this.deps.owners.owns(this.agent.runId)) return void this.routeUnowned();
    this.serve();
  }

  /** Reads the agent's messages and ends the session when the run ends. */
  private serve(): void {
    this.call.on('data', (request: pb.SessionRequest) => {
      void this.handle(request)
        .catch((err: unknown) => this.failed(request, err))
        .catch((err: unknown) => this.log.error({ err }, 'answering a failed agent message failed'));
    });
    // The run's end revokes the credential: end every open stream of it, also one
    // that never said hello (the hub knows only welcomed sessions). Subscribe, then
    // check, so that a run that ended since the credential was checked is not missed.
    this.unsubscribeRun = this.deps.bus.subscribe(
      this.agent.runId,
      (change) => {
        if (change.kind === 'state' && isFinal(change.state)) this.revoked(change.state);
      },
      ['state'],
    );
    void this.deps.engine
      .snapshot(this.agent.runId)
      .then((snapshot) => {
        if (!snapshot || isFinal(snapshot.model.state)) this.revoked(snapshot?.model.state ?? 'gone');
      })
      .catch((err: unknown) => this.log.error({ err }, 'agent session run check failed'));
  }

  private revoked(state: string): void {
    this.send({ message: { $case: 'shutdown', value: { reason: `run ${state}` } } });
    this.close();
  }

  /**
   * A session of a run this replica does not drive when it starts. While the
   * replica has not taken its runs yet (it starts: after a restart, every
   * agent dials back at once) and nobody else drives the run, the session
   * waits for that instead of sending the agent away to ask again a second
   * later: its hello is read once the run is driven here.
   */
  private async routeUnowned(): Promise<void> {
    const address = await this.ownerAddress();
    const { runsTaken } = this.deps.owners;
    if (address === '' && runsTaken) {
      if (this.cancel.signal.aborted) return;
      const stopped = new Promise<void>((resolve) => this.cancel.signal.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([runsTaken, stopped]);
      if (this.cancel.signal.aborted) return;
      if (this.deps.owners.owns(this.agent.runId)) return this.serve();
      return this.redirectToOwner();
    }
    this.redirectTo(address);
  }

  /** Sends the agent to the replica that drives its run, as the owner's address says now. */
  private async redirectToOwner(): Promise<void> {
    this.redirectTo(await this.ownerAddress());
  }

  /** The agent address of the replica that drives the run; '' when none does right now (or it cannot be looked up). */
  private async ownerAddress(): Promise<string> {
    try {
      return (await this.deps.owners.ownerAgentAddress(this.agent.runId)) ?? '';
    } catch (err) {
      // Sent on without an address: the agent retries later, as for a run between owners.
      this.log.warn({ err }, 'looking up the owner of a run failed');
      return '';
    }
  }

  private redirectTo(address: string): void {
    const runId = this.agent.runId;
    const reason = address ? `run ${runId} is driven by the controller replica at ${address}` : `no controller replica drives run ${runId} right now`;
    this.redirect({ type: 'redirect', address, reason });
  }

  /**
   * Writes the redirect, then ends the stream UNAVAILABLE with a message naming
   * the owner: an agent older than Redirect ignores the message and reconnects
   * with its backoff on that status (behind a load balancer, possibly to the
   * owner). grpc-js sends the status after the writes before it.
   */
  private redirect(redirect: Redirect): void {
    if (this.cancel.signal.aborted) return;
    this.send(agentCommandToProto(redirect));
    this.log.debug({ owner: redirect.address }, 'agent redirected to the owner of its run');
    const details = redirect.address ? `${redirect.reason}; reconnect to ${redirect.address}` : `${redirect.reason}; retry later`;
    this.close({ code: status.UNAVAILABLE, details });
  }

  private send(message: pb.SessionResponse): void {
    if (!this.cancel.signal.aborted && this.call.writable) this.call.write(message);
  }

  /** Ends the session; with `failure`, the stream ends with that status instead of OK. */
  private close(failure?: { code: status; details: string }): void {
    if (this.cancel.signal.aborted) return;
    // A reason of our own: the default one is a DOMException whose stack is captured, for every session a stop ends.
    this.cancel.abort(SESSION_CLOSED);
    this.unregister?.();
    this.unsubscribeRun?.();
    if (failure && this.call.writable) this.call.emit('error', failure);
    else if (this.call.writable) this.call.end();
    this.log.debug('agent session closed');
  }

  /**
   * A message whose handling failed is logged and answered: a request with
   * `unavailable`, a hello or a completion by ending the stream (the agent
   * reconnects and sends them again). Log lines have no answer.
   */
  private failed(request: pb.SessionRequest, err: unknown): void {
    const m = request.message;
    this.log.error({ err, message: m?.$case }, 'agent message failed');
    const unavailable = requestErrorToProto('unavailable', HANDLER_FAILED);
    const ack = (requestId: string) => this.send({ message: { $case: 'ack', value: { requestId, ...unavailable } } });
    switch (m?.$case) {
      case 'parameterGet':
        return this.replyParameter(m.value.requestId, m.value.key, undefined, 'unavailable', HANDLER_FAILED);
      case 'parameterGetAll':
        return this.send({ message: { $case: 'parameterGetAll', value: { requestId: m.value.requestId, values: [], ...unavailable } } });
      case 'parameterSet':
      case 'abort':
      case 'reportMissing':
        return ack(m.value.requestId);
      case 'hello':
      case 'stateComplete':
        return this.close();
      default:
        return;
    }
  }

  private async handle(request: pb.SessionRequest): Promise<void> {
    const m = request.message;
    // A closed session (revoked, replaced, ended) acts on nothing more.
    if (!m || this.cancel.signal.aborted) return;
    switch (m.$case) {
      case 'hello':
        // Before the first await: the agent's log lines follow its hello at once.
        this.helloed = true;
        return this.welcome();
      case 'heartbeat':
        return;
      case 'stateComplete': {
        const state = runStateFromProto(m.value.state);
        if (!state) return;
        await this.deps.engine.dispatch(this.agent.runId, { type: 'state-completed', instance: this.agent.instance, state, epoch: m.value.epoch });
        return;
      }
      case 'parameterGet':
        return this.parameterGet(m.value, request);
      case 'parameterSet':
        return this.parameterSet(m.value);
      case 'parameterGetAll':
        return this.parameterGetAll(m.value, request);
      case 'abort':
        return this.abort(m.value);
      case 'reportMissing':
        return this.reportMissing(m.value);
      case 'logs':
        return this.logs(m.value);
    }
  }

  /**
   * Raises (or clears) the run's abort flag. A failing recipe's message
   * carries its last lines of output, so a NUL in it is kept as ␀, as in the
   * output itself; a message larger than a parameter value (it becomes
   * `ss:abort`) is refused.
   */
  private async abort(abort: pb.AgentAbort): Promise<void> {
    const ack = (error?: RequestError, errorMessage?: string) =>
      this.send({ message: { $case: 'ack', value: { requestId: abort.requestId, ...requestErrorToProto(error, errorMessage) } } });
    if (valueTooLarge(abort.message)) return ack('invalid', `the abort message is larger than ${MAX_PARAMETER_VALUE_BYTES / 1024} KiB`);
    const actor = `agent:${this.agent.instance}`;
    await this.deps.engine.dispatch(
      this.agent.runId,
      abort.cancel ? { type: 'cancel-abort', actor } : { type: 'abort', message: withoutNul(abort.message) || `aborted by ${this.agent.instance}`, actor },
    );
    ack();
  }

  /** Records that the agent gave up on its report (an agent whose ack was lost sends it again: recorded again). */
  private async reportMissing(notice: pb.ReportMissing): Promise<void> {
    this.log.warn({ name: notice.name }, 'agent gave up uploading its report');
    await this.deps.engine.recordEvent(this.agent.runId, reportMissingEvent(this.agent.instance, notice.name, notice.reason));
    this.send({ message: { $case: 'ack', value: { requestId: notice.requestId, ...requestErrorToProto() } } });
  }

  /** Journals a batch of log lines, once the agent said hello; stamped with the time they arrived. */
  private async logs(batch: pb.LogBatch): Promise<void> {
    const received = new Date();
    if (!this.helloed) {
      // Once per session: an agent that keeps sending must not flood the controller's log either.
      if (this.logsBeforeHello++ === 0) this.log.warn({ lines: batch.lines.length }, 'log lines before hello ignored');
      return;
    }
    await this.deps.engine.appendLogs(this.agent.runId, logEntriesOf(batch, this.agent.instance, received));
  }

  private async welcome(): Promise<void> {
    // The run may have moved since the session started: the hub of a replica holds only its own runs' agents.
    if (!this.deps.owners.owns(this.agent.runId)) return this.redirectToOwner();
    const snapshot = await this.deps.engine.snapshot(this.agent.runId);
    if (!snapshot) return this.close();
    const { model, plan, sshKeys } = snapshot;
    const self = instanceNamed(model, this.agent.instance);
    const node = plan.nodes.find((n) => n.name === this.agent.node);
    if (!self || !node) return this.close();
    this.unregister = this.deps.hub.register(this.agent.runId, this.agent.instance, {
      // A redirect ends the session itself, after the message: the close the engine calls next finds it closed.
      send: (command) => (command.type === 'redirect' ? this.redirect(command) : this.send(agentCommandToProto(command))),
      close: () => this.close(),
    });
    const command = agentCommandFor(model, this.agent.instance);
    this.send({
      message: {
        $case: 'welcome',
        value: {
          heartbeatIntervalMs: heartbeatIntervalMs(this.deps.hub.connected),
          runState: runStateToProto(model.state),
          abortMessage: model.abortMessage ?? '',
          plan: agentPlanFor(this.agent.runId, node, self.index, self.cloud, sshKeys),
          epoch: model.epoch,
          scale: command?.type === 'state' ? scaleCommandToProto(command.scale) : undefined,
        },
      },
    });
    if (command?.type === 'shutdown' || isFinal(model.state)) {
      this.send({ message: { $case: 'shutdown', value: { reason: `run ${model.state}` } } });
      this.close();
    }
    this.log.debug({ state: model.state }, 'agent session started');
  }

  private qualify(key: string): string | undefined {
    return qualifyParameterKey(key, this.agent.instance);
  }

  private replyParameter(requestId: string, key: string, value: string | undefined, error?: RequestError, errorMessage?: string): void {
    this.send({
      message: {
        $case: 'parameter',
        value: { requestId, key, value: value ?? '', found: value !== undefined, ...requestErrorToProto(error, errorMessage) },
      },
    });
  }

  private async abortMessage(): Promise<string | undefined> {
    return (await this.deps.engine.snapshot(this.agent.runId))?.model.abortMessage;
  }

  /** Values from the engine's memory: a get answered there costs no query. */
  private async read(keys: readonly string[]): Promise<Map<string, string | null>> {
    return (await this.deps.engine.parameterValues(this.agent.runId, keys)) ?? new Map();
  }

  private async parameterGet(get: pb.ParameterGet, request: pb.SessionRequest): Promise<void> {
    const key = this.qualify(get.key);
    if (!key) return this.replyParameter(get.requestId, get.key, undefined, 'invalid', `'${get.key}' is not a parameter key`);
    const current = (await this.read([key])).get(key);
    if (current === undefined) return this.replyParameter(get.requestId, key, undefined, 'not-found', `parameter ${key} does not exist in this run`);
    if (current !== null) return this.replyParameter(get.requestId, key, current);
    if (!get.wait) return this.replyParameter(get.requestId, key, undefined, 'not-set', `parameter ${key} has no value yet`);
    if (this.waitingGets >= MAX_WAITING_GETS) return this.replyParameter(get.requestId, key, undefined, 'resource-exhausted', TOO_MANY_WAITS);
    this.waitThenAnswer(request, [key], () => this.read([key]), get.timeoutMs, (result) => {
      if ('values' in result) this.replyParameter(get.requestId, key, result.values.get(key));
      else this.replyParameter(get.requestId, key, undefined, result.failure, result.message);
    });
  }

  /**
   * Waits for the values of `keys` and answers with `answer`, called once: when
   * a commit completes the wait, in that commit's announcement, so the answer
   * goes out before the set is acknowledged and without a chain of promises
   * between (waitForValues). Counts the wait while it lasts, and in the
   * metrics how it ended; an answer that throws is answered as a failed
   * request is.
   */
  private waitThenAnswer(
    request: pb.SessionRequest,
    keys: readonly string[],
    read: () => Promise<Map<string, string | null>>,
    timeoutMs: number,
    answer: (result: WaitResult) => void,
  ): void {
    const metrics = this.deps.metrics ?? NO_PARAMETER_WAIT_METRICS;
    this.waitingGets++;
    metrics.waitStarted();
    const options = { timeoutMs, signal: this.cancel.signal, abortMessage: () => this.abortMessage() };
    waitForValues(this.deps.bus, this.agent.runId, keys, read, options, (result) => {
      this.waitingGets--;
      metrics.waitEnded('values' in result ? 'satisfied' : result.failure);
      try {
        answer(result);
      } catch (err) {
        try {
          this.failed(request, err);
        } catch (again) {
          this.log.error({ err: again }, 'answering a failed agent message failed');
        }
      }
    });
  }

  private async parameterSet(set: pb.ParameterSet): Promise<void> {
    const ack = (error?: RequestError, errorMessage?: string) =>
      this.send({ message: { $case: 'ack', value: { requestId: set.requestId, ...requestErrorToProto(error, errorMessage) } } });
    const key = this.qualify(set.key);
    if (!key) return ack('invalid', `'${set.key}' is not a parameter key`);
    if (!agentMaySet(key, this.agent.instance)) {
      return ack('permission-denied', `${this.agent.instance} may set only its own parameters, not ${key}`);
    }
    if (controllerWrittenKey(key)) return ack('permission-denied', `${key} is written only by the controller`);
    if (valueTooLarge(set.value)) return ack('invalid', `the value of ${key} is larger than 64 KiB`);
    // Refused here, alone: in the run's group commit it would fail the other agents' sets committed with it.
    if (hasNul(set.value)) return ack('invalid', `the value of ${key} contains a NUL character, which parameters cannot hold`);
    let unknown: string[];
    try {
      ({ unknown } = await this.deps.engine.setParameters(this.agent.runId, [{ key, value: set.value }], `agent:${this.agent.instance}`));
    } catch (err) {
      // Unanswered, the agent would wait on this set until its stream broke; the cause is for the operator's log.
      this.log.error({ err, key }, 'storing a parameter failed');
      return ack('unavailable', `the controller could not store ${key}; it was not set`);
    }
    if (unknown.length > 0) return ack('not-found', `parameter ${key} does not exist in this run`);
    ack();
  }

  private async parameterGetAll(get: pb.ParameterGetAll, request: pb.SessionRequest): Promise<void> {
    const reply = (values: string[], error?: RequestError, errorMessage?: string) =>
      this.send({ message: { $case: 'parameterGetAll', value: { requestId: get.requestId, values, ...requestErrorToProto(error, errorMessage) } } });
    const snapshot = await this.deps.engine.snapshot(this.agent.runId);
    if (!snapshot) return reply([], 'not-found', 'run not found');
    // Instances being scaled away are already out of the node for the ones that stay (onVmRemove).
    const instances = activeInstances(snapshot.model).filter((i) => i.node === get.node && i.scaleState !== 'removing');
    if (!snapshot.model.nodes.some((n) => n.name === get.node)) return reply([], 'not-found', `node '${get.node}' does not exist in this run`);
    const keys = instances.map((i) => `${i.name}:${get.key}`);
    const read = () => this.read(keys);
    const current = await read();
    if (keys.some((k) => !current.has(k))) return reply([], 'not-found', `parameter ${get.key} does not exist on node ${get.node}`);
    if (!get.wait) return reply(keys.map((k) => current.get(k) ?? ''));
    if (this.waitingGets >= MAX_WAITING_GETS) return reply([], 'resource-exhausted', TOO_MANY_WAITS);
    this.waitThenAnswer(request, keys, read, get.timeoutMs, (result) => {
      if ('values' in result) reply(keys.map((k) => result.values.get(k)!));
      else reply([], result.failure, result.message);
    });
  }
}
