/** `slipstream cloud get NAME`: one cloud. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { recordFields } from '../../views/admin.js';
import { CLOUD_COLUMNS, cloudView } from '../../views/clouds.js';

/** Options of `cloud get`. */
export interface CloudGetOptions extends OutputOptions {
  name: string;
}

/** Prints one cloud. */
export function run(deps: CliDeps, opts: CloudGetOptions): Promise<number> {
  return guarded(deps, async () => {
    const view = cloudView(await deps.connect().clouds.get(opts.name));
    printRecord(deps, opts.output, recordFields(view, CLOUD_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `cloud get`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get')
    .description('show a cloud')
    .argument('<name>', 'cloud name')
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, name })));
}
