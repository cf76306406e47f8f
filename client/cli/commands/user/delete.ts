/** `slipstream user delete NAME`: deletes a user and revokes their tokens. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `user delete`. */
export interface UserDeleteOptions {
  name: string;
}

/** Deletes the user. */
export function run(deps: CliDeps, opts: UserDeleteOptions): Promise<number> {
  return guarded(deps, async () => {
    await deps.connect().users.delete({ name: opts.name });
    deps.stderr.write(`deleted user '${opts.name}' and revoked their tokens\n`);
    return ExitCode.ok;
  });
}

/** Registers `user delete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('delete')
    .description('delete a user and revoke all of their tokens (admins)')
    .argument('<name>', 'user name')
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, () => ({ name })));
}
