/**
 * The run loop, one way round: an input (an operator's or agent's request, a
 * VM's outcome, a tick) is queued per run; the engine applies a batch of them
 * through the pure state machine and commits the decisions; only then does it
 * publish them (run bus), command the agents (agent hub) and start the cloud
 * effects on the RunEffects it was given at construction. Those report their
 * outcomes back as new inputs through the RunInputs port (this engine) they
 * were given when the engine made them: neither side imports the other.
 */
import type { Logger } from 'pino';
import type { ResolvedPlan } from '../../common/modules/types.js';
import { instanceNamed } from '../domain/runs/instance-lookups.js';
import { transitionAll } from '../domain/runs/state-machine.js';
import { BARRIER_STATES, isFinal } from '../../common/runs/states.js';
import type { Effect, RunInput, RunModel } from '../domain/runs/types.js';
import type { RunJournalRow } from '../store/entities/run-journal.js';
import type { JournalEntry } from '../store/repositories/run-journal.js';
import type { Store } from '../store/store.js';
import type { AgentHub } from './agent-hub.js';
import { ParameterDraft, type CommittedParameters } from './parameter-draft.js';
import { MappingTargetsCache } from './mapping-targets-cache.js';
import type { ParameterChange } from './parameter-writer.js';
import { batchWrites, settleMissing, type RunWork, type SetOutcome } from './run-batch.js';
import type { RunEffects, RunInputs } from './run-loop.js';
import { LeaseLostError, type RemoteRuns, type RunOwnership } from './run-ownership.js';
import { RunQueue } from './run-queue.js';
import type { JournalView, RunBus } from './run-bus.js';
import { seedAddedInstances } from './instance-seeds.js';
import { agentCommandFor } from '../domain/runs/agent-command.js';
import { NO_ENGINE_METRICS, type EngineMetrics } from '../metrics/ports.js';

/** A run as last committed, for readers that need the whole model often. */
export interface RunSnapshot {
  model: RunModel;
  plan: ResolvedPlan;
  sshKeys: string[];
  /** Kept current in place by this engine's commits. */
  parameters: CommittedParameters;
}

/** What a commit wrote, for the notifications and answers that follow it. */
interface Committed {
  run: RunModel;
  itemEffects: Effect[][];
  journal: RunJournalRow[];
  /** The new value of every changed key. */
  changed: Map<string, string>;
  unknown: Set<string>;
}

export interface RunEngineDeps {
  store: Store;
  bus: RunBus;
  hub: AgentHub;
  log: Logger;
  /** Makes what carries out the cloud effects, given the port through which it reports their outcomes. */
  effects: (inputs: RunInputs) => RunEffects;
  /** Which runs this replica drives, with the lease epoch each write carries. */
  ownership: RunOwnership;
  /** Where the work for any other run goes: its owner replica. */
  remote: RemoteRuns;
  /** Where commits and parameter sets are counted; default: nowhere. */
  metrics?: EngineMetrics;
}

/** How often timeouts are checked and stuck destroys retried. */
const TICK_INTERVAL_MS = 1_000;
const DESTROY_RETRY_MS = 30_000;

export function journalView(row: RunJournalRow): JournalView {
  return {
    sequence: row.sequence,
    time: row.time,
    kind: row.kind as JournalView['kind'],
    type: row.type,
    actor: row.actor,
    instance: row.instance,
    subject: row.subject,
    text: row.text,
  };
}

/**
 * Drives runs: every input goes through the pure state machine under a
 * per-run lock, its decisions and their parameter/journal records commit in
 * one transaction, and only then are notifications sent and side effects
 * (cloud calls, pushes to agents) started.
 */
export class RunEngine implements RunInputs {
  private readonly queue = new RunQueue(
    (runId, batch) => this.commitBatch(runId, batch),
    (drain) => this.track(drain),
  );
  /** Committed models of live runs, for welcomes: thousands of agents must not each load a run of thousands of instances. */
  private readonly snapshots = new Map<string, RunSnapshot>();
  private readonly loading = new Map<string, { snapshot: Promise<RunSnapshot | undefined>; commits: number }>();
  private readonly targets = new MappingTargetsCache();
  private readonly commits = new Map<string, number>();
  private readonly store: Store;
  private readonly bus: RunBus;
  private readonly hub: AgentHub;
  private readonly log: Logger;
  private readonly effects: RunEffects;
  private readonly ownership: RunOwnership;
  private readonly remote: RemoteRuns;
  private readonly metrics: EngineMetrics;
  private ticker: NodeJS.Timeout | undefined;
  private readonly lastDestroyAttempt = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(deps: RunEngineDeps) {
    this.store = deps.store;
    this.bus = deps.bus;
    this.hub = deps.hub;
    this.log = deps.log;
    this.ownership = deps.ownership;
    this.remote = deps.remote;
    this.metrics = deps.metrics ?? NO_ENGINE_METRICS;
    // It may keep this engine as its RunInputs; it is called only once a commit starts effects.
    this.effects = deps.effects(this);
  }

  /** Applies one input to a run; resolves with the new model once committed. */
  dispatch(runId: string, input: RunInput): Promise<RunModel | undefined> {
    if (!this.owns(runId)) return this.dispatchRemotely(runId, input);
    const unchanged = input.type === 'state-completed' ? this.completionDecidingNothing(runId, input) : undefined;
    if (unchanged) return Promise.resolve(unchanged);
    return new Promise((resolve, reject) => this.submit(runId, { kind: 'input', input, resolve, reject }));
  }

  /** Whether this replica drives the run (holds its lease). */
  owns(runId: string): boolean {
    return this.ownership.epochOf(runId) !== undefined;
  }

  /** An input for a run another replica drives: committed by that owner, then the model as committed. */
  private async dispatchRemotely(runId: string, input: RunInput): Promise<RunModel | undefined> {
    await this.remote.dispatch(runId, input);
    return (await this.store.read((repos) => repos.runs.load(runId)))?.model;
  }

  /** Hands a queued item to the run's owner and settles it with the owner's answer. */
  private forward(runId: string, work: RunWork): void {
    if (work.kind === 'input') this.dispatchRemotely(runId, work.input).then(work.resolve, work.reject);
    else if (work.kind === 'sets') this.remote.setParameters(runId, work.sets).then(work.resolve, work.reject);
    else this.remote.appendLogs(runId, work.entries).then(work.resolve, work.reject);
  }

  /**
   * Lets go of a run another replica took over (a write was fenced off, or
   * this replica's own lease lapsed): forgets what it cached and ends its
   * agents' sessions here, so that they reconnect and are sent to the new
   * owner. Effects in flight report their outcomes to the new owner.
   */
  lose(runId: string): void {
    this.ownership.lost(runId);
    this.forget(runId);
    this.log.warn({ runId }, 'another controller replica drives this run now; let go of it');
  }

  /** The runs it caches something of (models, mapping targets, commit counts, destroy retries). */
  remembered(): string[] {
    return [...new Set([...this.snapshots.keys(), ...this.loading.keys(), ...this.commits.keys(), ...this.targets.cachedRuns(), ...this.lastDestroyAttempt.keys()])];
  }

  /**
   * Drops what it caches of a run and ends its agents' sessions here (a
   * deleted run's were closed when it finished, but an agent may have come
   * back). Its lease is the ownership's to forget.
   */
  forget(runId: string): void {
    this.snapshots.delete(runId);
    this.loading.delete(runId);
    this.commits.delete(runId);
    this.targets.forget(runId);
    this.lastDestroyAttempt.delete(runId);
    for (const [, session] of this.hub.forRun(runId)) session.close();
  }

  /**
   * The committed model when a completion decides nothing, now or after the
   * batches in flight: one the instance already recorded (the state machine
   * never clears a completion it recorded), or one of a state without a
   * barrier (every agent completes Ready too). Every agent that reconnects
   * sends its last completion again; it is answered from memory instead of
   * waiting behind the batches (10,000 of them after a controller restart).
   */
  private completionDecidingNothing(runId: string, input: Extract<RunInput, { type: 'state-completed' }>): RunModel | undefined {
    const model = this.snapshots.get(runId)?.model;
    if (!model || !BARRIER_STATES.includes(input.state)) return model;
    const instance = instanceNamed(model, input.instance);
    return instance?.completedState === input.state && instance.completedEpoch === input.epoch ? model : undefined;
  }

  /**
   * Sets parameters on behalf of an operator or an agent (already authorized)
   * and pushes them along mappings, durably, before resolving. Keys that name
   * no parameter of the run are skipped and returned as `unknown`.
   */
  setParameters(runId: string, sets: { key: string; value: string }[], actor: string): Promise<SetOutcome> {
    const attributed = sets.map(({ key, value }) => ({ key, value, actor }));
    if (!this.owns(runId)) return this.remote.setParameters(runId, attributed);
    this.metrics.parameterSets(actor.startsWith('agent:') ? 'agent' : 'operator', sets.length);
    return new Promise((resolve, reject) => this.submit(runId, { kind: 'sets', sets: attributed, resolve, reject }));
  }

  /** Appends an agent's log lines to the run's journal. */
  appendLogs(runId: string, entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    if (!this.owns(runId)) return this.remote.appendLogs(runId, entries);
    return new Promise((resolve, reject) => this.submit(runId, { kind: 'logs', entries, resolve, reject }));
  }

  /** Records an event that is not a state machine decision (reports uploaded, ...). */
  recordEvent(runId: string, entry: Omit<JournalEntry, 'kind'>): Promise<void> {
    return this.appendLogs(runId, [{ ...entry, kind: 'event' }]);
  }

  /**
   * The run as last committed (its model, plan and SSH keys), from memory
   * when possible. This controller is the runs' only writer, so its own
   * commits keep the snapshot current; concurrent first reads share one load.
   */
  snapshot(runId: string): Promise<RunSnapshot | undefined> {
    const cached = this.snapshots.get(runId);
    if (cached) return Promise.resolve(cached);
    const commitsBefore = this.commits.get(runId) ?? 0;
    const pending = this.loading.get(runId);
    // A load begun before the latest commit would hand out the model from before it.
    if (pending && pending.commits === commitsBefore) return pending.snapshot;
    const loading = this.store
      .read(async (repos) => {
        const loaded = await repos.runs.load(runId);
        return loaded && { ...loaded, plan: repos.runs.plan(loaded.row), parameters: await repos.parameters.allValues(runId) };
      })
      .then((loaded) => {
        if (!loaded) return undefined;
        const snapshot: RunSnapshot = {
          model: loaded.model,
          plan: loaded.plan,
          sshKeys: JSON.parse(loaded.row.sshKeys) as string[],
          parameters: loaded.parameters,
        };
        // A commit since the read began makes this one stale: serve it once, do not keep it.
        // Only an owner's commits keep a snapshot current: another replica's copy would go stale.
        if ((this.commits.get(runId) ?? 0) === commitsBefore && !isFinal(snapshot.model.state) && this.owns(runId)) this.snapshots.set(runId, snapshot);
        return snapshot;
      })
      .finally(() => {
        if (this.loading.get(runId)?.snapshot === loading) this.loading.delete(runId);
      });
    this.loading.set(runId, { snapshot: loading, commits: commitsBefore });
    return loading;
  }

  /**
   * Committed values of a run's parameters with these keys, from memory (a
   * key that names no parameter is absent; a parameter without a value is
   * null); undefined when the run does not exist.
   */
  async parameterValues(runId: string, keys: readonly string[]): Promise<Map<string, string | null> | undefined> {
    const snapshot = await this.snapshot(runId);
    if (!snapshot) return undefined;
    const values = new Map<string, string | null>();
    for (const key of keys) {
      const parameter = snapshot.parameters.get(key);
      if (parameter) values.set(key, parameter.value);
    }
    return values;
  }

  /**
   * Counts a commit and keeps the cached snapshot current: `model` when the
   * state machine changed it. The commit published its parameter values into
   * the parameters of the snapshot it used; were another one cached (it
   * should not be), it is dropped rather than served stale.
   */
  private remember(runId: string, used: RunSnapshot, model: RunModel | undefined): void {
    this.commits.set(runId, (this.commits.get(runId) ?? 0) + 1);
    const cached = this.snapshots.get(runId);
    if (model && isFinal(model.state)) {
      this.snapshots.delete(runId);
      this.commits.delete(runId);
      this.targets.forget(runId);
      this.lastDestroyAttempt.delete(runId);
    } else if (cached && cached.parameters !== used.parameters) {
      this.snapshots.delete(runId);
    } else if (cached && model) {
      this.snapshots.set(runId, { ...cached, model });
    }
  }

  /**
   * Group commit: work for a run queues while a batch of it commits, and the
   * next batch takes everything queued, so thousands of agents' completions
   * and sets cost one load of the run and one transaction, not one each.
   */
  private submit(runId: string, work: RunWork): void {
    this.queue.submit(runId, work);
  }

  /** Commits a batch (see commitOrEach), counting its size and how long its items waited for their answers. */
  private async commitBatch(runId: string, batch: RunWork[]): Promise<void> {
    const started = performance.now();
    try {
      await this.commitOrEach(runId, batch);
    } finally {
      this.metrics.committed(batch.length, (performance.now() - started) / 1000);
    }
  }

  /** Commits a batch; when it fails, each item alone, so that one bad item does not fail the others. Settles every item. */
  private async commitOrEach(runId: string, batch: RunWork[]): Promise<void> {
    try {
      await this.commit(runId, batch);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        // Once: the batches queued behind the one that was fenced off find the run already let go of.
        if (this.owns(runId)) this.lose(runId);
        for (const work of batch) this.forward(runId, work);
      } else if (batch.length === 1) {
        batch[0]!.reject(err);
      } else {
        this.log.warn({ err, runId, items: batch.length }, 'batch failed; applying its items one by one');
        for (const work of batch) {
          await this.commit(runId, [work]).catch((one: unknown) => {
            if (!(one instanceof LeaseLostError)) return work.reject(one);
            if (this.owns(runId)) this.lose(runId);
            this.forward(runId, work);
          });
        }
      }
    }
  }

  private async commit(runId: string, batch: RunWork[]): Promise<void> {
    const leaseEpoch = this.ownership.epochOf(runId);
    // Queued before the run moved away: the items go to its new owner.
    if (leaseEpoch === undefined) throw new LeaseLostError(runId);
    const now = new Date();
    // The model and the parameter values come from memory: loading thousands of rows per batch is what made large runs slow.
    const snapshot = await this.snapshot(runId);
    if (!snapshot) {
      batch.forEach(settleMissing);
      return;
    }
    const draft = new ParameterDraft(snapshot.parameters);
    const inputs = batch.flatMap((w) => (w.kind === 'input' ? [w.input] : []));
    const committed =
      inputs.length > 0 ? await this.commitInputs(runId, leaseEpoch, snapshot, batch, inputs, draft, now) : await this.commitSets(runId, leaseEpoch, snapshot, batch, draft, now);
    if (!committed) {
      batch.forEach(settleMissing);
      return;
    }
    draft.publish();
    const changedModel = committed.run !== snapshot.model ? committed.run : undefined;
    this.remember(runId, snapshot, changedModel);
    const allEffects = committed.itemEffects.flat();
    const changes: ParameterChange[] = [...committed.changed].map(([key, value]) => ({ key, value }));
    this.announce(runId, committed.journal, changes, changedModel, allEffects);
    for (const effect of allEffects) this.apply(runId, committed.run, effect);
    const changeAt = new Map(changes.map((c, i) => [c.key, i]));
    for (const work of batch) {
      if (work.kind === 'input') work.resolve(committed.run);
      else if (work.kind === 'sets') {
        const keys = new Set(work.sets.map((s) => s.key));
        const positions = [...keys].flatMap((k) => (changeAt.has(k) ? [changeAt.get(k)!] : [])).sort((a, b) => a - b);
        work.resolve({ changes: positions.map((i) => changes[i]!), unknown: [...keys].filter((k) => committed.unknown.has(k)) });
      } else work.resolve();
    }
  }

  /**
   * A batch with state machine inputs: its instance, parameter, run row and journal writes commit together, in one
   * statement (RunTransitionRepository) unless the transition adds instances, stores VM ids or finishes the run.
   */
  private async commitInputs(runId: string, leaseEpoch: number, snapshot: RunSnapshot, batch: RunWork[], inputs: RunInput[], draft: ParameterDraft, now: Date): Promise<Committed | undefined> {
    const before = snapshot.model;
    const { run, effects } = transitionAll(before, inputs, now);
    // Inputs that decided nothing (completions sent again by every agent that reconnects) have nothing to write.
    if (run === before && batch.every((work) => work.kind === 'input')) {
      return { run, itemEffects: batch.map(() => []), journal: [], changed: new Map(), unknown: new Set() };
    }
    const itemEffectsOf = () => {
      let nextInput = 0;
      return batch.map((work) => (work.kind === 'input' ? effects[nextInput++]! : []));
    };
    const vmIds = inputs.flatMap((i) => (i.type === 'vm-running' && i.vmId ? [[i.instance, i.vmId] as const] : []));
    const finishing = isFinal(run.state) && !isFinal(before.state);
    if (run.instances.length === before.instances.length && vmIds.length === 0 && !finishing) {
      // Most batches (completions, parameter sets): one statement (RunTransitionRepository).
      const itemEffects = itemEffectsOf();
      const { written, entries } = batchWrites(batch, itemEffects, [], draft, this.targets.of(runId, snapshot.plan, run), now);
      const transition = { runId, leaseEpoch, before, after: run, values: written.changed, secretKeys: draft.secretKeys(written.changed), entries, now };
      const journal = await this.store.writeStatement((repos) => repos.transitions.commit(transition));
      return journal && { run, itemEffects, journal, changed: written.changed, unknown: written.unknown };
    }
    return this.store.write(async (repos) => {
      await repos.instances.applyChanges(runId, before, run, now);
      await repos.instances.setVmIds(runId, vmIds);
      // Instances are only ever appended (a removed one stays, marked).
      const added = run.instances.slice(before.instances.length);
      const inherited = added.length > 0 ? await seedAddedInstances(repos, draft, runId, snapshot.plan, added, now) : [];
      const itemEffects = itemEffectsOf();
      const { written, entries } = batchWrites(batch, itemEffects, inherited, draft, this.targets.of(runId, snapshot.plan, run), now);
      await repos.parameters.updateValues(runId, written.changed, now, draft.secretKeys(written.changed));
      if (finishing) await repos.agentLogins.revokeCredentials(runId);
      // Last, as its UPDATE locks the run row: the lock is held only for the rest of the commit.
      const lastSequence = await repos.runs.advanceRun(runId, leaseEpoch, before, run, entries.length, now);
      if (lastSequence === undefined) return undefined;
      const journal = repos.journal.stage(runId, lastSequence, entries);
      await repos.flush();
      return { run, itemEffects, journal, changed: written.changed, unknown: written.unknown };
    });
  }

  /**
   * A batch of parameter sets and log lines alone: the state machine has
   * nothing to decide, and the write is one statement
   * (RunParameterRepository.commitSets), the round trip an agent's set waits for. Sets that change nothing write nothing.
   */
  private async commitSets(runId: string, leaseEpoch: number, snapshot: RunSnapshot, batch: RunWork[], draft: ParameterDraft, now: Date): Promise<Committed | undefined> {
    const itemEffects = batch.map((): Effect[] => []);
    const { written, entries } = batchWrites(batch, itemEffects, [], draft, this.targets.of(runId, snapshot.plan, snapshot.model), now);
    const journal =
      written.changed.size === 0 && entries.length === 0
        ? []
        : await this.store.writeStatement((repos) => repos.parameters.commitSets(runId, leaseEpoch, written.changed, entries, now, draft.secretKeys(written.changed)));
    return journal && { run: snapshot.model, itemEffects, journal, changed: written.changed, unknown: written.unknown };
  }

  private announce(runId: string, journal: RunJournalRow[], changes: ParameterChange[], run?: RunModel, effects: Effect[] = []): void {
    if (journal.length > 0) this.bus.publish(runId, { kind: 'journal', entries: journal.map(journalView) });
    if (changes.length > 0) this.bus.publish(runId, { kind: 'parameters', values: changes });
    if (run && effects.some((e) => e.type === 'push-state' || e.type === 'finished')) {
      this.bus.publish(runId, { kind: 'state', state: run.state, epoch: run.epoch, abortMessage: run.abortMessage });
    }
    if (run) this.bus.publish(runId, { kind: 'instances' });
  }

  private track(task: Promise<unknown>): void {
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  private apply(runId: string, run: RunModel, effect: Effect): void {
    switch (effect.type) {
      case 'provision':
        for (const instance of effect.instances) this.track(this.effects.provision(runId, instance));
        break;
      case 'destroy':
        this.lastDestroyAttempt.set(runId, Date.now());
        this.track(this.effects.destroy(runId, effect.instances));
        break;
      case 'push-state':
        this.pushState(runId, run);
        break;
      case 'finished':
        for (const [, session] of this.hub.forRun(runId)) {
          session.send({ type: 'shutdown', reason: `run ${run.state}` });
          session.close();
        }
        if (run.kind === 'image_build' && this.effects.finished) this.track(this.effects.finished(runId, run));
        break;
      case 'snapshot':
        if (this.effects.snapshot) this.track(this.effects.snapshot(runId));
        break;
      default:
        break;
    }
  }

  /** Sends every connected, active agent the current state with its own scale hook. */
  pushState(runId: string, run: RunModel): void {
    for (const [instance, session] of this.hub.forRun(runId)) {
      const command = agentCommandFor(run, instance);
      if (command) session.send(command);
    }
  }

  /**
   * Resumes runs this replica just took the lease of (at its start, or from
   * a replica that stopped or died): re-issues provisioning and destruction;
   * agents reconnect by themselves.
   */
  async resume(ids: readonly string[]): Promise<number> {
    for (const runId of ids) {
      // Through the snapshot: the agents' welcomes that follow find the run loaded.
      const model = (await this.snapshot(runId))?.model;
      if (!model) continue;
      if (model.state === 'Initializing') {
        await this.dispatch(runId, { type: 'launch' });
        continue;
      }
      if (model.state === 'Finalizing') {
        const withVm = model.instances.filter((i) => i.vm === 'pending' || i.vm === 'running').map((i) => i.name);
        this.apply(runId, model, { type: 'destroy', instances: withVm });
        continue;
      }
      // An image build taken over mid-snapshot: its stored build says where the snapshot stands.
      if (model.kind === 'image_build' && model.state === 'Ready' && model.abortMessage === undefined) {
        this.apply(runId, model, { type: 'snapshot' });
        continue;
      }
      for (const instance of model.instances) {
        if (instance.vm === 'pending' && instance.scaleState !== 'removed') this.track(this.effects.provision(runId, instance.name));
        if (instance.scaleState === 'removed' && (instance.vm === 'running' || instance.vm === 'pending')) {
          this.track(this.effects.destroy(runId, [instance.name]));
        }
      }
    }
    if (ids.length > 0) this.log.info({ runs: ids.length }, 'live runs resumed');
    return ids.length;
  }

  /** Starts the periodic timeout check. */
  start(): void {
    let ticking = false;
    this.ticker = setInterval(() => {
      if (ticking) return;
      ticking = true;
      this.track(
        this.tick()
          .catch((err: unknown) => this.log.error({ err }, 'timeout check failed'))
          .finally(() => (ticking = false)),
      );
    }, TICK_INTERVAL_MS);
    this.ticker.unref();
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const clocks = (await this.store.read((repos) => repos.runs.liveRunClocks())).filter((clock) => this.owns(clock.id));
    for (const clock of clocks) {
      const limitMs = clock.timeoutMinutes * 60_000;
      const since = (clock.abortedAt ?? clock.stateChangedAt).getTime();
      const finalizing = clock.state === 'Finalizing';
      const stuckDestroy = finalizing && now - (this.lastDestroyAttempt.get(clock.id) ?? 0) > DESTROY_RETRY_MS;
      if (!finalizing && now - since < limitMs) continue;
      if (!finalizing) await this.dispatch(clock.id, { type: 'tick' });
      if (stuckDestroy) {
        const loaded = await this.store.read((repos) => repos.runs.load(clock.id));
        const withVm = loaded?.model.instances.filter((i) => i.vm === 'pending' || i.vm === 'running').map((i) => i.name) ?? [];
        if (loaded && withVm.length > 0) this.apply(clock.id, loaded.model, { type: 'destroy', instances: withVm });
      }
    }
  }

  /**
   * Stops the ticker and waits for started side effects to settle, up to
   * `graceMs`: then their cloud calls are let go of (a cloud API that does not
   * answer held a stop until the shutdown deadline killed it, the runs never
   * handed back), and the runs' next owner issues them again.
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.effects.stop?.();
    const settled = Promise.allSettled([...this.background]);
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      settled.then(() => true),
      new Promise<false>((resolve) => {
        if (Number.isFinite(graceMs)) timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (inTime) return;
    this.log.warn({ effects: this.background.size, graceMs }, 'cloud calls still in flight at the end of the grace: let go of; the runs\' next owner issues them again');
    this.effects.letGo?.();
    await settled;
  }
}
