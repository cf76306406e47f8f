/** `slipstream user create NAME --role ROLE`: adds a user to the caller's tenant. */
import { Option, type Command } from 'commander';
import { roleToProto } from '../../../../common/convert/roles.js';
import { ROLES, type Role } from '../../../../common/roles.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { recordFields, USER_COLUMNS, userView } from '../../views/admin.js';

/** Options of `user create`. */
export interface UserCreateOptions extends OutputOptions {
  name: string;
  role: Role;
}

/** Creates the user and prints it. */
export function run(deps: CliDeps, opts: UserCreateOptions): Promise<number> {
  return guarded(deps, async () => {
    const { user } = await deps.connect().users.create({ name: opts.name, role: roleToProto(opts.role) });
    const view = userView(user);
    printRecord(deps, opts.output, recordFields(view, USER_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `user create`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('create')
    .description('create a user in your tenant (admins)')
    .argument('<name>', 'user name')
    .addOption(new Option('--role <role>', 'role of the user').choices(ROLES).makeOptionMandatory())
    .action((name: string, flags: { role: Role }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, role: flags.role })),
    );
}
