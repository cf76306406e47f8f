/**
 * The glue between commander and command functions: a command file registers
 * its syntax and hands `invoke` its `run` and how to build its options.
 */
import type { Command } from 'commander';
import type { CliDeps, OutputOptions } from './deps.js';
import type { ConnectionFlags } from './config/connection.js';
import { reportError } from './errors.js';

/** The global flags, as every action sees them. */
export type GlobalOptions = OutputOptions & ConnectionFlags;

/** A command function: options in, exit code out. */
export type CommandRun<O> = (deps: CliDeps, opts: O) => Promise<number>;

/** What program.ts offers to command files while registering. */
export interface CommandHost {
  /** Runs `run` with deps for the global flags of `command` and records its exit code. */
  invoke<O>(command: Command, run: CommandRun<O>, opts: (globals: GlobalOptions) => O): Promise<void>;
}

/**
 * Runs a command body and turns whatever it throws into a message on stderr
 * and the matching exit code, so `run` always resolves to an exit code.
 */
export async function guarded(deps: Pick<CliDeps, 'stderr'>, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportError(deps, error);
  }
}
