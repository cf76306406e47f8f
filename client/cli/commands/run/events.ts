/** `slipstream run events ID`: a run's events (state changes, aborts, scale actions, ...), oldest first. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { EVENT_COLUMNS } from '../../views/runs.js';

/** Options of `run events`. */
export interface RunEventsOptions extends OutputOptions {
  id: string;
}

/** Lists every event of the run (all pages). */
export function run(deps: CliDeps, opts: RunEventsOptions): Promise<number> {
  return guarded(deps, async () => {
    printRows(deps, opts.output, EVENT_COLUMNS, await deps.connect().runs.events(opts.id));
    return ExitCode.ok;
  });
}

/** Registers `run events`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('events')
    .description('list a run\'s events, oldest first')
    .argument('<id>', 'run id')
    .action((id: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, id })));
}
