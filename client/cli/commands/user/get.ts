/** `slipstream user get [NAME]`: one user; yourself without a name. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { recordFields, USER_COLUMNS, userView } from '../../views/admin.js';

/** Options of `user get`. */
export interface UserGetOptions extends OutputOptions {
  /** Absent = the caller. */
  name?: string;
}

/** Prints one user. */
export function run(deps: CliDeps, opts: UserGetOptions): Promise<number> {
  return guarded(deps, async () => {
    const client = deps.connect();
    const user = opts.name ? (await client.users.get({ name: opts.name })).user : (await client.users.whoAmI()).user;
    const view = userView(user);
    printRecord(deps, opts.output, recordFields(view, USER_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `user get`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get')
    .description('show a user (yourself without a name)')
    .argument('[name]', 'user name')
    .action((name: string | undefined, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name })),
    );
}
