/** `slipstream run list [--state S]... [--tag T] [--module PREFIX]`. */
import { Option, type Command } from 'commander';
import { RUN_STATES, type RunState } from '../../../../common/runs/states.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import { completeWith } from '../../completion/value-hints.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { collectChoice } from '../../flags.js';
import { printRows } from '../../output.js';
import { RUN_COLUMNS, runJson } from '../../views/runs.js';

/** Options of `run list`. */
export interface RunListOptions extends OutputOptions {
  /** Runs in any of these states; none = all. */
  states?: RunState[];
  tag?: string;
  /** Module path prefix. */
  module?: string;
}

/** Lists the tenant's runs (all pages). */
export function run(deps: CliDeps, opts: RunListOptions): Promise<number> {
  return guarded(deps, async () => {
    const runs = await deps.connect().runs.list({ states: opts.states, tag: opts.tag, module: opts.module });
    printRows(deps, opts.output, RUN_COLUMNS, runs, (rows) => rows.map(runJson));
    return ExitCode.ok;
  });
}

/** Registers `run list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list runs, optionally by state, tag and module')
    .addOption(
      completeWith(
        new Option('--state <state>', `only runs in this state (repeatable): ${RUN_STATES.join(', ')}`).argParser(collectChoice(RUN_STATES)),
        { choices: RUN_STATES },
      ),
    )
    .option('--tag <tag>', 'only runs with this tag')
    .option('--module <prefix>', 'only runs of modules under this path prefix')
    .action((flags: { state?: RunState[]; tag?: string; module?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, states: flags.state, tag: flags.tag, module: flags.module })),
    );
}
