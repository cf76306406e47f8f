/** `slipstream cloud update NAME [--set key=value]...`: replaces a cloud's settings (operator admins). */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { parseKeyValue } from '../../flags.js';
import { printRecord } from '../../output.js';
import { recordFields } from '../../views/admin.js';
import { CLOUD_COLUMNS, cloudView } from '../../views/clouds.js';

/** Options of `cloud update`. */
export interface CloudUpdateOptions extends OutputOptions {
  name: string;
  /** The new settings, replacing all of the old ones; absent or empty clears them. */
  settings?: Record<string, string>;
}

/** Replaces the settings and prints the cloud. */
export function run(deps: CliDeps, opts: CloudUpdateOptions): Promise<number> {
  return guarded(deps, async () => {
    const view = cloudView(await deps.connect().clouds.update(opts.name, opts.settings ?? {}));
    printRecord(deps, opts.output, recordFields(view, CLOUD_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `cloud update`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('update')
    .description("replace a cloud's settings with the --set ones; none clears them (operator admins)")
    .argument('<name>', 'cloud name')
    .option('--set <key=value>', 'a driver setting (repeatable)', parseKeyValue)
    .action((name: string, flags: { set?: Record<string, string> }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, settings: flags.set })),
    );
}
