/** `slipstream cloud list`: every cloud, built-in ones first. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { CLOUD_COLUMNS, cloudView } from '../../views/clouds.js';

/** Options of `cloud list`. */
export type CloudListOptions = OutputOptions;

/** Lists the clouds, with whether your tenant has credentials for each. */
export function run(deps: CliDeps, opts: CloudListOptions): Promise<number> {
  return guarded(deps, async () => {
    const clouds = await deps.connect().clouds.list();
    printRows(deps, opts.output, CLOUD_COLUMNS, clouds.map(cloudView));
    return ExitCode.ok;
  });
}

/** Registers `cloud list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list clouds and whether your tenant has credentials for each')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
