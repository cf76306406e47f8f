/** `slipstream cloud remove NAME`: deletes a cloud without live VMs (operator admins). */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `cloud remove`. */
export interface CloudRemoveOptions {
  name: string;
}

/** Deletes the cloud. */
export function run(deps: CliDeps, opts: CloudRemoveOptions): Promise<number> {
  return guarded(deps, async () => {
    await deps.connect().clouds.remove(opts.name);
    deps.stderr.write(`removed cloud '${opts.name}'\n`);
    return ExitCode.ok;
  });
}

/** Registers `cloud remove`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('remove')
    .description('remove a cloud; fails while live runs have VMs on it (operator admins)')
    .argument('<name>', 'cloud name')
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ name })));
}
