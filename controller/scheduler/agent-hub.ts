import type { AgentCommand } from '../domain/runs/agent-command.js';

/** A connected agent's session, as the engine can use it: it puts the commands on the wire. */
export interface AgentSessionHandle {
  send(command: AgentCommand): void;
  /** Ends the session (the agent will not reconnect once the run is final). */
  close(): void;
}

/** The agents connected to this controller, by run and instance. */
export class AgentHub {
  private readonly sessions = new Map<string, Map<string, AgentSessionHandle>>();
  private count = 0;

  /** Sessions registered, over every run (one per connected instance). */
  get connected(): number {
    return this.count;
  }

  /** Registers a session, replacing (and closing) an older one of the same instance. */
  register(runId: string, instance: string, session: AgentSessionHandle): () => void {
    let run = this.sessions.get(runId);
    if (!run) this.sessions.set(runId, (run = new Map()));
    const previous = run.get(instance);
    run.set(instance, session);
    if (!previous) this.count++;
    if (previous && previous !== session) previous.close();
    return () => {
      // A session replaced since, or one that closeAll already let go of, is no longer counted.
      if (this.sessions.get(runId) !== run || run.get(instance) !== session) return;
      run.delete(instance);
      this.count--;
      if (run.size === 0) this.sessions.delete(runId);
    };
  }

  /** The run's connected sessions. */
  forRun(runId: string): [string, AgentSessionHandle][] {
    return [...(this.sessions.get(runId) ?? new Map<string, AgentSessionHandle>()).entries()];
  }

  isConnected(runId: string, instance: string): boolean {
    return this.sessions.get(runId)?.has(instance) ?? false;
  }

  /** Closes every session (controller shutdown). */
  closeAll(): void {
    const runs = [...this.sessions.values()];
    this.sessions.clear();
    this.count = 0;
    for (const run of runs) for (const session of run.values()) session.close();
  }
}
