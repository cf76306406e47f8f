/** `slipstream cloud add NAME --driver D [--set key=value]...`: a new cloud (operator admins). */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { parseKeyValue } from '../../flags.js';
import { printRecord } from '../../output.js';
import { recordFields } from '../../views/admin.js';
import { CLOUD_COLUMNS, cloudView } from '../../views/clouds.js';

/** Options of `cloud add`. */
export interface CloudAddOptions extends OutputOptions {
  name: string;
  /** `ec2`, `azure`, `gcp`, `fake`, ... (the controller knows which). */
  driver: string;
  settings?: Record<string, string>;
}

/** Creates the cloud and prints it. */
export function run(deps: CliDeps, opts: CloudAddOptions): Promise<number> {
  return guarded(deps, async () => {
    const view = cloudView(await deps.connect().clouds.create(opts.name, opts.driver, opts.settings));
    printRecord(deps, opts.output, recordFields(view, CLOUD_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `cloud add`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('add')
    .description('add a cloud: a driver and its settings (operator admins)')
    .argument('<name>', 'cloud name (a DNS label)')
    .requiredOption('--driver <driver>', 'driver: ec2, azure, gcp, fake, ...')
    .option('--set <key=value>', 'a driver setting (repeatable)', parseKeyValue)
    .action((name: string, flags: { driver: string; set?: Record<string, string> }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, driver: flags.driver, settings: flags.set })),
    );
}
