/** `slipstream user list`: the users of the caller's tenant. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { USER_COLUMNS, userView } from '../../views/admin.js';

/** Options of `user list`. */
export type UserListOptions = OutputOptions;

/** Lists every user (all pages). */
export function run(deps: CliDeps, opts: UserListOptions): Promise<number> {
  return guarded(deps, async () => {
    const users = await deps.connect().users.listAll();
    printRows(deps, opts.output, USER_COLUMNS, users.map(userView));
    return ExitCode.ok;
  });
}

/** Registers `user list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list the users of your tenant')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
