/**
 * `slipstream __complete SOURCE` (hidden): the values a completion script asks for while the user presses TAB,
 * one a line. Only what the CLI knows offline: it never calls the controller, so TAB stays fast and works anywhere.
 */
import { Argument, type Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import { DYNAMIC_SOURCES, type DynamicSource } from '../../completion/value-hints.js';
import { readConfig } from '../../config/file.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `__complete`. */
export interface CompleteValuesOptions {
  source: DynamicSource;
}

const SOURCES: Record<DynamicSource, (deps: CliDeps) => string[]> = {
  contexts: (deps) => Object.keys(readConfig(deps.configPath).contexts).sort(),
};

/** Prints the values of the source; an unreadable config is a message on stderr (which the scripts discard) and exit 1. */
export function run(deps: CliDeps, opts: CompleteValuesOptions): Promise<number> {
  return guarded(deps, async () => {
    for (const value of SOURCES[opts.source](deps)) deps.stdout.write(`${value}\n`);
    return ExitCode.ok;
  });
}

/** Registers the hidden `__complete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('__complete', { hidden: true })
    .description('values for the completion scripts')
    .addArgument(new Argument('<source>').choices(DYNAMIC_SOURCES))
    .action((source: DynamicSource, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ source })));
}
