/** `slipstream run params ID [PREFIX]`: a run's runtime parameters, passwords masked. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { PARAMETER_COLUMNS, parameterView } from '../../views/runs.js';

/** Options of `run params`. */
export interface RunParamsOptions extends OutputOptions {
  id: string;
  /** Only keys starting with this, e.g. `web.1:` or `ss:`. */
  prefix?: string;
}

/** Lists the parameters; unset ones have an empty value (`set: false` in JSON). */
export function run(deps: CliDeps, opts: RunParamsOptions): Promise<number> {
  return guarded(deps, async () => {
    const parameters = await deps.connect().runs.listParameters(opts.id, opts.prefix);
    printRows(deps, opts.output, PARAMETER_COLUMNS, parameters.map((p) => parameterView(p)));
    return ExitCode.ok;
  });
}

/** Registers `run params`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('params')
    .description('list a run\'s runtime parameters (passwords masked)')
    .argument('<id>', 'run id')
    .argument('[prefix]', 'only keys starting with this, e.g. web.1: or ss:')
    .action((id: string, prefix: string | undefined, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, prefix })),
    );
}
