/**
 * The agent's persisted state, `<workDir>/state.json` (mode 0600): the
 * credential and the last completed (epoch, state), so a restarted agent
 * (even after SIGKILL) neither re-enrolls nor re-runs a completed phase.
 * Every write is atomic (temp file, fsync, rename).
 *
 * The write is synchronous: a few system calls on a file of a few hundred
 * bytes, made at phase boundaries only. Through the thread pool, each call
 * cost a hop and a wake-up: 100-165 µs of CPU per write on tmpfs against
 * 31-36 µs (this machine), which a sim worker's thousands of agents paid
 * together. The price is that the event loop waits for the fsync, so a
 * write waits for the event loop's next turn (see update).
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';

/** What survives a restart. */
export interface PersistedState {
  /** The run and instance the state belongs to (a reused work dir for another instance starts fresh). */
  runId?: string;
  instance?: string;
  /** The scoped credential from Enroll. Never logged. */
  credential?: string;
  completedState: RunState;
  completedEpoch: number;
  /** How many times each phase was started, keyed `<epoch>:<State>`: >1 means a phase was interrupted by a crash. */
  phaseRuns: Record<string, number>;
  /** The run ended (Finalizing or a final state): a restarted agent exits at once. */
  finished?: boolean;
}

/** Thrown when state.json exists but cannot be read or parsed. */
export class StateFileError extends Error {}

const EMPTY: PersistedState = Object.freeze({
  completedState: RunState.RUN_STATE_UNSPECIFIED,
  completedEpoch: 0,
  phaseRuns: {},
}) as PersistedState;

/** Reads and atomically rewrites state.json; writes are serialized. */
export class StateStore {
  private current: PersistedState;
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    initial: PersistedState,
  ) {
    this.current = initial;
  }

  /**
   * Loads the state file (an absent file is the empty state). Synchronous, as
   * the writes are, and asking whether the file exists first: a failed read
   * builds an error with its stack, which a fresh agent would pay every time.
   */
  static open(file: string): StateStore {
    if (!existsSync(file)) return new StateStore(file, structuredClone(EMPTY));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new StateStore(file, structuredClone(EMPTY));
      throw new StateFileError(`state file ${file}: ${(err as Error).message}`, { cause: err });
    }
    return new StateStore(file, parseState(file, text));
  }

  /** The state as last written (a frozen snapshot). */
  get(): Readonly<PersistedState> {
    return this.current;
  }

  /**
   * Applies `change` to a copy of the state and persists it before
   * resolving; rejects, keeping the state it had, when the write fails.
   * Updates apply in order, each to the state the one before it wrote.
   */
  update(change: (draft: PersistedState) => void): Promise<void> {
    const write = this.writes.then(async () => {
      // The write blocks the event loop: first let the rest of this turn run (a state pushed to thousands of sim
      // agents reaches all of them before any writes).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const next = structuredClone(this.current);
      change(next);
      writeAtomic(this.file, JSON.stringify(next, null, 2) + '\n');
      this.current = Object.freeze(next);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}

function parseState(file: string, text: string): PersistedState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`state file ${file} is not valid JSON; remove it to start over`, { cause: err });
  }
  if (!raw || typeof raw !== 'object') throw new StateFileError(`state file ${file} is not a JSON object`);
  const r = raw as Record<string, unknown>;
  const state: PersistedState = {
    completedState: typeof r.completedState === 'number' ? (r.completedState as RunState) : RunState.RUN_STATE_UNSPECIFIED,
    completedEpoch: typeof r.completedEpoch === 'number' ? r.completedEpoch : 0,
    phaseRuns: r.phaseRuns && typeof r.phaseRuns === 'object' ? { ...(r.phaseRuns as Record<string, number>) } : {},
  };
  if (typeof r.credential === 'string' && r.credential) state.credential = r.credential;
  if (typeof r.runId === 'string') state.runId = r.runId;
  if (typeof r.instance === 'string') state.instance = r.instance;
  if (r.finished === true) state.finished = true;
  return Object.freeze(state);
}

function writeAtomic(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      // A temp file left by a crash keeps its mode through open(): set it again.
      fchmodSync(fd, 0o600);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing was left behind.
    }
    throw err;
  }
}
