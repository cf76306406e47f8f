/** `slipstream run delete ID --yes`: deletes a final run and everything kept of it, for good. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `run delete`. */
export interface RunDeleteOptions extends OutputOptions {
  id: string;
  /** The caller confirms: nothing of the run can be recovered afterwards. */
  yes?: boolean;
}

/**
 * Deletes a Done, Aborted or Cancelled run with its events, logs,
 * parameters and reports. Without --yes it deletes nothing and exits 2
 * (scripts say so explicitly; nothing is read from stdin). A run that is not
 * final exits 1 with the controller's "terminate it first".
 */
export function run(deps: CliDeps, opts: RunDeleteOptions): Promise<number> {
  return guarded(deps, async () => {
    if (!opts.yes) {
      throw new UsageError(`run delete removes run ${opts.id} with its events, logs, parameters and reports for good; add --yes to confirm`);
    }
    await deps.connect().runs.delete(opts.id);
    if (opts.output === 'json') printJson(deps, { id: opts.id, deleted: true });
    else deps.stderr.write(`deleted run ${opts.id}\n`);
    return ExitCode.ok;
  });
}

/** Registers `run delete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('delete')
    .description('delete a final run with its events, logs, parameters and reports, for good (--yes to confirm)')
    .argument('<id>', 'run id')
    .option('--yes', 'confirm: nothing of the run can be recovered')
    .action((id: string, flags: { yes?: boolean }, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, id, yes: flags.yes })));
}
