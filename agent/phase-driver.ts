/**
 * Decides what to do with each state the controller pushes (welcome or
 * StateCommand), driven only by those pushes. A state newer than the
 * persisted (completedEpoch, completedState) runs once, is persisted as
 * completed and reported; an already completed one is only reported again
 * (so a reconnect or restart never re-runs a phase). An abort message that
 * arrives for the running phase, or KillScripts, kills its scripts and
 * completes it; Finalizing and the final states end the agent.
 */
import { AgentPlan, type ScaleCommand, type SessionWelcome, type StateCommand } from '../proto/gen/slipstream/v1/agent.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { scaleHookFromProto } from '../common/convert/scale-hooks.js';
import type { AgentLogger } from './log.js';
import type { PhaseOutcome, PhaseWork } from './phases.js';
import { compareEpochState, isAgentState, isEndState, stateName } from './run-state.js';
import type { StateStore } from './state-store.js';

/** What the driver acts through. */
export interface PhaseDriverDeps {
  store: StateStore;
  log: AgentLogger;
  runPhase(work: PhaseWork): Promise<PhaseOutcome>;
  /** Sends stateComplete (best effort: a welcome triggers it again). */
  sendComplete(state: RunState, epoch: number): void;
  /** The run reached `state` (Finalizing or final): the agent should exit. */
  ended(state: RunState): void;
  /** A state was completed (or found completed again after a reconnect) and reported, with the plan it ran. */
  completed?(done: CompletedState): void;
}

/** What `completed` is told. */
export interface CompletedState {
  state: RunState;
  epoch: number;
  abortMessage: string;
  scale?: ScaleCommand;
  plan: AgentPlan;
}

interface Command {
  state: RunState;
  epoch: number;
  abortMessage: string;
  scale?: ScaleCommand;
}

type InterruptReason = 'abort' | 'superseded' | 'stop' | 'end';

interface Running {
  command: Command;
  controller: AbortController;
  reason?: InterruptReason;
  settled: Promise<void>;
}

const EMPTY_PLAN: AgentPlan = AgentPlan.create();

/** The agent's phase state machine. */
export class PhaseDriver {
  private plan: AgentPlan | undefined;
  private running: Running | undefined;
  private queued: Command | undefined;
  private over = false;

  constructor(private readonly deps: PhaseDriverDeps) {}

  /** A new session's welcome: the plan plus the run's current state. */
  welcome(welcome: SessionWelcome): void {
    if (welcome.plan) this.plan = welcome.plan;
    this.handle({ state: welcome.runState, epoch: welcome.epoch, abortMessage: welcome.abortMessage, scale: welcome.scale });
  }

  /** The run entered a state. */
  command(command: StateCommand): void {
    this.handle({ state: command.state, epoch: command.epoch, abortMessage: command.abortMessage, scale: command.scale });
  }

  /** Kills the running phase's scripts; the phase then completes. */
  killScripts(reason: string): void {
    if (!this.running) return;
    this.deps.log.warn({ reason, state: stateName(this.running.command.state) }, 'killing scripts on controller request');
    this.interrupt('abort');
  }

  /** The phase now running, if any. */
  get current(): { state: RunState; epoch: number } | undefined {
    return this.running && { state: this.running.command.state, epoch: this.running.command.epoch };
  }

  /** Kills the running phase without completing it (it runs again after a restart) and ignores further commands. */
  async stop(): Promise<void> {
    this.over = true;
    this.queued = undefined;
    const running = this.running;
    if (!running) return;
    this.interrupt('stop');
    await running.settled;
  }

  private handle(command: Command): void {
    const { log, store } = this.deps;
    if (this.over) return;
    if (isEndState(command.state)) {
      log.info({ state: stateName(command.state), epoch: command.epoch }, 'run ended');
      this.over = true;
      this.queued = undefined;
      const done = this.running?.settled ?? Promise.resolve();
      this.interrupt('end');
      void done.then(() => this.deps.ended(command.state));
      return;
    }
    if (!isAgentState(command.state)) return;
    const running = this.running;
    if (running && compareEpochState(command, running.command) === 0) {
      if (command.abortMessage && command.abortMessage !== running.command.abortMessage) {
        log.warn({ state: stateName(command.state), epoch: command.epoch }, 'run aborted; killing scripts');
        running.command.abortMessage = command.abortMessage;
        this.interrupt('abort');
      }
      return;
    }
    const completed = { epoch: store.get().completedEpoch, state: store.get().completedState };
    const order = compareEpochState(command, completed);
    if (order <= 0 && !running) {
      if (order === 0) {
        this.deps.sendComplete(command.state, command.epoch);
        this.tellCompleted(command);
      } else log.info({ state: stateName(command.state), epoch: command.epoch }, 'stale state ignored');
      return;
    }
    if (running) {
      if (compareEpochState(command, running.command) < 0) return;
      // The controller moved on while a phase still runs: kill it, then run the new one.
      log.warn({ from: stateName(running.command.state), to: stateName(command.state) }, 'phase superseded');
      this.queued = command;
      this.interrupt('superseded');
      return;
    }
    this.start(command);
  }

  private start(command: Command): void {
    const controller = new AbortController();
    const running: Running = { command, controller, settled: Promise.resolve() };
    this.running = running;
    running.settled = this.execute(running).finally(() => {
      if (this.running === running) this.running = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (next) this.handle(next);
    });
  }

  private async execute(running: Running): Promise<void> {
    const { log, store } = this.deps;
    const { command } = running;
    const name = stateName(command.state);
    const key = `${command.epoch}:${name}`;
    try {
      await store.update((s) => {
        s.phaseRuns[key] = (s.phaseRuns[key] ?? 0) + 1;
      });
      const attempt = store.get().phaseRuns[key];
      log.info({ state: name, epoch: command.epoch, attempt, hook: command.scale && scaleHookFromProto(command.scale) }, 'phase started');
      const outcome = await this.deps.runPhase({
        state: command.state,
        epoch: command.epoch,
        plan: this.plan ?? EMPTY_PLAN,
        scale: command.scale,
        abortMessage: command.abortMessage,
        signal: running.controller.signal,
      });
      if (running.reason === 'stop' || running.reason === 'end') {
        log.info({ state: name, epoch: command.epoch }, 'phase left unfinished');
        return;
      }
      await store.update((s) => {
        if (compareEpochState(command, { epoch: s.completedEpoch, state: s.completedState }) > 0) {
          s.completedEpoch = command.epoch;
          s.completedState = command.state;
        }
      });
      log.info({ state: name, epoch: command.epoch, outcome }, 'phase completed');
      this.deps.sendComplete(command.state, command.epoch);
      this.tellCompleted(command);
    } catch (err) {
      // Only the state file can fail here; without it the phase cannot be recorded, so it is not reported.
      log.error({ state: name, epoch: command.epoch, err: err as Error }, 'phase bookkeeping failed');
    }
  }

  private tellCompleted(command: Command): void {
    this.deps.completed?.({ ...command, plan: this.plan ?? EMPTY_PLAN });
  }

  private interrupt(reason: InterruptReason): void {
    const running = this.running;
    if (!running || running.controller.signal.aborted) return;
    running.reason = reason;
    running.controller.abort();
  }
}
