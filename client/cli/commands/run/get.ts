/** `slipstream run get ID`: one run and its instances. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson, printRecord, printRows } from '../../output.js';
import { INSTANCE_COLUMNS, instanceRows, runFields, runJson } from '../../views/runs.js';

/** Options of `run get`. */
export interface RunGetOptions extends OutputOptions {
  id: string;
}

/** Prints the run's fields, then one line per instance (or the Run as JSON). */
export function run(deps: CliDeps, opts: RunGetOptions): Promise<number> {
  return guarded(deps, async () => {
    const found = await deps.connect().runs.get(opts.id);
    if (opts.output === 'json') {
      printJson(deps, runJson(found));
      return ExitCode.ok;
    }
    printRecord(deps, opts.output, runFields(found), undefined);
    deps.stdout.write('\n');
    printRows(deps, opts.output, INSTANCE_COLUMNS, instanceRows(found));
    return ExitCode.ok;
  });
}

/** Registers `run get`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get')
    .description('show a run and its instances')
    .argument('<id>', 'run id')
    .action((id: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, id })));
}
