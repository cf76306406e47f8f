import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import type { AgentPrincipal } from '../../auth/agent-authenticator.js';
import { agentMaySet, qualifyParameterKey, valueTooLarge } from '../../domain/runs/parameter-keys.js';
import { activeInstances, instanceNamed, isFinal } from '../../domain/runs/state-machine.js';
import type { AgentHub } from '../../scheduler/agent-hub.js';
import { waitForValues } from '../../scheduler/parameter-waits.js';
import type { RunBus } from '../../scheduler/run-bus.js';
import type { RunEngine } from '../../scheduler/run-engine.js';
import { stateCommandFor } from '../../scheduler/state-command.js';
import { runStateFromProto, runStateToProto } from '../convert/runs.js';
import { agentPlanFor } from './agent-plan.js';
import { heartbeatIntervalMs } from './heartbeat-interval.js';

export interface SessionDeps {
  engine: RunEngine;
  bus: RunBus;
  hub: AgentHub;
  log: Logger;
}

type Call = ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>;

/** One agent's session stream: the controller's side of everything an agent asks and is told. */
export class AgentSession {
  private readonly cancel = new AbortController();
  private unregister: (() => void) | undefined;
  private unsubscribeRun: (() => void) | undefined;
  private readonly log: Logger;

  constructor(
    private readonly call: Call,
    private readonly agent: AgentPrincipal,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.log.child({ runId: agent.runId, instance: agent.instance });
  }

  /** Runs the session until the agent or the controller ends it. */
  start(): void {
    const end = () => this.close();
    this.call.on('end', end);
    this.call.on('cancelled', end);
    this.call.on('error', end);
    this.call.on('close', end);
    this.call.on('data', (request: pb.SessionRequest) => {
      void this.handle(request).catch((err: unknown) => this.log.error({ err }, 'agent message failed'));
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

  private send(message: pb.SessionResponse): void {
    if (!this.cancel.signal.aborted && this.call.writable) this.call.write(message);
  }

  private close(): void {
    if (this.cancel.signal.aborted) return;
    this.cancel.abort();
    this.unregister?.();
    this.unsubscribeRun?.();
    if (this.call.writable) this.call.end();
    this.log.debug('agent session closed');
  }

  private async handle(request: pb.SessionRequest): Promise<void> {
    const m = request.message;
    // A closed session (revoked, replaced, ended) acts on nothing more.
    if (!m || this.cancel.signal.aborted) return;
    switch (m.$case) {
      case 'hello':
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
        return this.parameterGet(m.value);
      case 'parameterSet':
        return this.parameterSet(m.value);
      case 'parameterGetAll':
        return this.parameterGetAll(m.value);
      case 'abort': {
        const actor = `agent:${this.agent.instance}`;
        await this.deps.engine.dispatch(
          this.agent.runId,
          m.value.cancel ? { type: 'cancel-abort', actor } : { type: 'abort', message: m.value.message || `aborted by ${this.agent.instance}`, actor },
        );
        this.send({ message: { $case: 'ack', value: { requestId: m.value.requestId, error: '', errorMessage: '' } } });
        return;
      }
      case 'logs':
        await this.deps.engine.appendLogs(
          this.agent.runId,
          m.value.lines.map((l) => ({
            kind: 'log' as const,
            type: l.stream === 'stderr' ? 'stderr' : 'stdout',
            instance: this.agent.instance,
            subject: l.phase,
            text: l.text,
            time: l.time ?? new Date(),
          })),
        );
        return;
    }
  }

  private async welcome(): Promise<void> {
    const snapshot = await this.deps.engine.snapshot(this.agent.runId);
    if (!snapshot) return this.close();
    const { model, plan, sshKeys } = snapshot;
    const self = instanceNamed(model, this.agent.instance);
    const node = plan.nodes.find((n) => n.name === this.agent.node);
    if (!self || !node) return this.close();
    this.unregister = this.deps.hub.register(this.agent.runId, this.agent.instance, {
      send: (message) => this.send(message),
      close: () => this.close(),
    });
    const command = stateCommandFor(model, this.agent.instance);
    this.send({
      message: {
        $case: 'welcome',
        value: {
          heartbeatIntervalMs: heartbeatIntervalMs(this.deps.hub.connected),
          runState: runStateToProto(model.state),
          abortMessage: model.abortMessage ?? '',
          plan: agentPlanFor(this.agent.runId, node, self.index, self.cloud, sshKeys),
          epoch: model.epoch,
          scale: command?.message?.$case === 'state' ? command.message.value.scale : undefined,
        },
      },
    });
    if (command?.message?.$case === 'shutdown' || ['Done', 'Aborted', 'Cancelled'].includes(model.state)) {
      this.send({ message: { $case: 'shutdown', value: { reason: `run ${model.state}` } } });
      this.close();
    }
    this.log.debug({ state: model.state }, 'agent session started');
  }

  private qualify(key: string): string | undefined {
    return qualifyParameterKey(key, this.agent.instance);
  }

  private replyParameter(requestId: string, key: string, value: string | undefined, error = '', errorMessage = ''): void {
    this.send({
      message: { $case: 'parameter', value: { requestId, key, value: value ?? '', found: value !== undefined, error, errorMessage } },
    });
  }

  private async abortMessage(): Promise<string | undefined> {
    return (await this.deps.engine.snapshot(this.agent.runId))?.model.abortMessage;
  }

  /** Values from the engine's memory: a get answered there costs no query. */
  private async read(keys: readonly string[]): Promise<Map<string, string | null>> {
    return (await this.deps.engine.parameterValues(this.agent.runId, keys)) ?? new Map();
  }

  private async parameterGet(get: pb.ParameterGet): Promise<void> {
    const key = this.qualify(get.key);
    if (!key) return this.replyParameter(get.requestId, get.key, undefined, 'invalid', `'${get.key}' is not a parameter key`);
    const current = (await this.read([key])).get(key);
    if (current === undefined) return this.replyParameter(get.requestId, key, undefined, 'not-found', `parameter ${key} does not exist in this run`);
    if (current !== null) return this.replyParameter(get.requestId, key, current);
    if (!get.wait) return this.replyParameter(get.requestId, key, undefined, 'not-set', `parameter ${key} has no value yet`);
    const result = await waitForValues(this.deps.bus, this.agent.runId, [key], () => this.read([key]), {
      timeoutMs: get.timeoutMs,
      signal: this.cancel.signal,
      abortMessage: () => this.abortMessage(),
    });
    if ('values' in result) this.replyParameter(get.requestId, key, result.values.get(key));
    else this.replyParameter(get.requestId, key, undefined, result.failure, result.message);
  }

  private async parameterSet(set: pb.ParameterSet): Promise<void> {
    const ack = (error = '', errorMessage = '') =>
      this.send({ message: { $case: 'ack', value: { requestId: set.requestId, error, errorMessage } } });
    const key = this.qualify(set.key);
    if (!key) return ack('invalid', `'${set.key}' is not a parameter key`);
    if (!agentMaySet(key, this.agent.instance)) {
      return ack('permission-denied', `${this.agent.instance} may set only its own parameters, not ${key}`);
    }
    if (valueTooLarge(set.value)) return ack('invalid', `the value of ${key} is larger than 64 KiB`);
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

  private async parameterGetAll(get: pb.ParameterGetAll): Promise<void> {
    const reply = (values: string[], error = '', errorMessage = '') =>
      this.send({ message: { $case: 'parameterGetAll', value: { requestId: get.requestId, values, error, errorMessage } } });
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
    const result = await waitForValues(this.deps.bus, this.agent.runId, keys, read, {
      timeoutMs: get.timeoutMs,
      signal: this.cancel.signal,
      abortMessage: () => this.abortMessage(),
    });
    if ('values' in result) reply(keys.map((k) => result.values.get(k)!));
    else reply([], result.failure, result.message);
  }
}
