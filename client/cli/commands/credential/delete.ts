/** `slipstream credential delete CLOUD`: deletes your tenant's credentials for a cloud. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `credential delete`. */
export interface CredentialDeleteOptions {
  cloud: string;
}

/** Deletes the credentials; exit 1 when there are none. */
export function run(deps: CliDeps, opts: CredentialDeleteOptions): Promise<number> {
  return guarded(deps, async () => {
    await deps.connect().clouds.deleteCredential(opts.cloud);
    deps.stderr.write(`deleted your tenant's credential for cloud '${opts.cloud}'\n`);
    return ExitCode.ok;
  });
}

/** Registers `credential delete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('delete')
    .description("delete your tenant's credentials for a cloud (admins)")
    .argument('<cloud>', 'cloud name')
    .action((cloud: string, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ cloud })));
}
