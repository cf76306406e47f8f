/**
 * The agent's persisted state, `<workDir>/state.json` (mode 0600): the
 * credential and the last completed (epoch, state), so a restarted agent
 * (even after SIGKILL) neither re-enrolls nor re-runs a completed phase.
 * Every write is atomic (temp file, fsync, rename).
 */
import fs from 'node:fs';
import { readFile, rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
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

  /** Loads the state file (an absent file is the empty state). */
  static async open(file: string): Promise<StateStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
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

  /** Applies `change` to a copy of the state and persists it before resolving. */
  update(change: (draft: PersistedState) => void): Promise<void> {
    const next = structuredClone(this.current);
    change(next);
    this.current = Object.freeze(next);
    const snapshot = JSON.stringify(next, null, 2) + '\n';
    const write = this.writes.then(() => writeAtomic(this.file, snapshot));
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

// The callback API through promisify, not FileHandle: a sim worker's agents write thousands of these, and a
// FileHandle costs about twice the CPU per write.
const openFile = promisify(fs.open);
const writeText = promisify(fs.writeFile);
const fsyncFile = promisify(fs.fsync);
const fchmodFile = promisify(fs.fchmod);
const closeFile = promisify(fs.close);

async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const fd = await openFile(temp, 'w', 0o600);
    try {
      // A temp file left by a crash keeps its mode through open(): set it again.
      await fchmodFile(fd, 0o600);
      await writeText(fd, text, 'utf8');
      await fsyncFile(fd);
    } finally {
      await closeFile(fd);
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
