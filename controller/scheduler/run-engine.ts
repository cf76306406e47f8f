import type { Logger } from 'pino';
import type { SessionResponse } from '../../proto/gen/slipstream/v1/agent.js';
import { isFinal, transition } from '../domain/runs/state-machine.js';
import type { Effect, RunInput, RunModel } from '../domain/runs/types.js';
import type { RunJournalRow } from '../store/entities/run-journal.js';
import type { JournalEntry } from '../store/repositories/runs.js';
import type { Store } from '../store/store.js';
import type { AgentHub } from './agent-hub.js';
import { KeyedMutex } from './keyed-mutex.js';
import { writeParameters, type ParameterChange } from './parameter-writer.js';
import type { Provisioner } from './provisioner.js';
import type { JournalView, RunBus } from './run-bus.js';
import { seedAddedInstances } from './instance-seeds.js';
import { stateCommandFor } from './state-command.js';

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
export class RunEngine {
  private readonly locks = new KeyedMutex();
  private provisioner!: Provisioner;
  private ticker: NodeJS.Timeout | undefined;
  private readonly lastDestroyAttempt = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly bus: RunBus,
    private readonly hub: AgentHub,
    private readonly log: Logger,
  ) {}

  /** Wires the provisioner (it dispatches back into this engine). */
  attach(provisioner: Provisioner): void {
    this.provisioner = provisioner;
  }

  /** Applies one input to a run; resolves with the new model once committed. */
  dispatch(runId: string, input: RunInput): Promise<RunModel | undefined> {
    return this.locks.run(runId, async () => {
      const now = new Date();
      const committed = await this.store.write(async (repos) => {
        const loaded = await repos.runs.load(runId);
        if (!loaded) return undefined;
        const { run, effects } = transition(loaded.model, input, now);
        const known = new Set(loaded.instances.map((i) => i.name));
        repos.runs.applyModel(loaded, run, now);
        const added = run.instances.filter((i) => !known.has(i.name));
        const inherited = added.length > 0 ? await seedAddedInstances(repos, loaded.row, added, now) : [];
        const sets = [...inherited, ...effects.flatMap((e) => (e.type === 'set-parameter' ? [{ key: e.key, value: e.value }] : []))];
        const written = await writeParameters(repos, loaded.row, loaded.instances, sets, 'controller');
        const events: JournalEntry[] = effects.flatMap((e) =>
          e.type === 'event' ? [{ kind: 'event' as const, type: e.eventType, actor: e.actor, text: e.message, time: now }] : [],
        );
        if (isFinal(run.state)) for (const instance of loaded.instances) instance.credentialHash = null;
        const journal = repos.runs.appendJournal(loaded.row, [...events, ...written.journal]);
        await repos.runs.flush();
        return { run, effects, journal, changes: written.changes };
      });
      if (!committed) return undefined;
      this.announce(runId, committed.journal, committed.changes, committed.run, committed.effects);
      for (const effect of committed.effects) this.apply(runId, committed.run, effect);
      return committed.run;
    });
  }

  /**
   * Sets parameters on behalf of an operator or an agent (already authorized)
   * and pushes them along mappings, durably, before resolving.
   */
  setParameters(runId: string, sets: { key: string; value: string }[], actor: string): Promise<ParameterChange[]> {
    return this.locks.run(runId, async () => {
      const committed = await this.store.write(async (repos) => {
        const loaded = await repos.runs.load(runId);
        if (!loaded) return undefined;
        const written = await writeParameters(repos, loaded.row, loaded.instances, sets, actor);
        const journal = repos.runs.appendJournal(loaded.row, written.journal);
        await repos.runs.flush();
        return { journal, changes: written.changes };
      });
      if (!committed) return [];
      this.announce(runId, committed.journal, committed.changes);
      return committed.changes;
    });
  }

  /** Appends an agent's log lines to the run's journal. */
  appendLogs(runId: string, entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.locks.run(runId, async () => {
      const journal = await this.store.write(async (repos) => {
        const row = await repos.runs.findById(runId);
        if (!row) return [];
        const rows = repos.runs.appendJournal(row, entries);
        await repos.runs.flush();
        return rows;
      });
      this.announce(runId, journal, []);
    });
  }

  /** Records an event that is not a state machine decision (reports uploaded, ...). */
  recordEvent(runId: string, entry: Omit<JournalEntry, 'kind'>): Promise<void> {
    return this.appendLogs(runId, [{ ...entry, kind: 'event' }]);
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
        for (const instance of effect.instances) this.track(this.provisioner.provision(runId, instance));
        break;
      case 'destroy':
        this.lastDestroyAttempt.set(runId, Date.now());
        this.track(this.provisioner.destroy(runId, effect.instances));
        break;
      case 'push-state':
        this.pushState(runId, run);
        break;
      case 'finished':
        for (const [, session] of this.hub.forRun(runId)) {
          session.send({ message: { $case: 'shutdown', value: { reason: `run ${run.state}` } } });
          session.close();
        }
        break;
      default:
        break;
    }
  }

  /** Sends every connected, active agent the current state with its own scale hook. */
  pushState(runId: string, run: RunModel): void {
    for (const [instance, session] of this.hub.forRun(runId)) {
      const message: SessionResponse | undefined = stateCommandFor(run, instance);
      if (message) session.send(message);
    }
  }

  /** Resumes every live run after a start: re-issues provisioning and destruction; agents reconnect by themselves. */
  async resumeAll(): Promise<number> {
    const ids = await this.store.read((repos) => repos.runs.liveRunIds());
    for (const runId of ids) {
      const loaded = await this.store.read((repos) => repos.runs.load(runId));
      if (!loaded) continue;
      const { model } = loaded;
      if (model.state === 'Initializing') {
        await this.dispatch(runId, { type: 'launch' });
        continue;
      }
      if (model.state === 'Finalizing') {
        const withVm = model.instances.filter((i) => i.vm === 'pending' || i.vm === 'running').map((i) => i.name);
        this.apply(runId, model, { type: 'destroy', instances: withVm });
        continue;
      }
      for (const instance of model.instances) {
        if (instance.vm === 'pending' && instance.scaleState !== 'removed') this.track(this.provisioner.provision(runId, instance.name));
        if (instance.scaleState === 'removed' && (instance.vm === 'running' || instance.vm === 'pending')) {
          this.track(this.provisioner.destroy(runId, [instance.name]));
        }
      }
    }
    this.log.info({ runs: ids.length }, 'live runs resumed');
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
    const clocks = await this.store.read((repos) => repos.runs.liveRunClocks());
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

  /** Stops the ticker and waits for started side effects to settle. */
  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await Promise.allSettled([...this.background]);
  }
}
