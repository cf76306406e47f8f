/** `slipstream user set-role NAME ROLE`: changes a user's role. */
import { Argument, type Command } from 'commander';
import { roleToProto } from '../../../../common/convert/roles.js';
import { ROLES, type Role } from '../../../../common/roles.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { recordFields, USER_COLUMNS, userView } from '../../views/admin.js';

/** Options of `user set-role`. */
export interface UserSetRoleOptions extends OutputOptions {
  name: string;
  role: Role;
}

/** Updates the role and prints the user. */
export function run(deps: CliDeps, opts: UserSetRoleOptions): Promise<number> {
  return guarded(deps, async () => {
    const { user } = await deps.connect().users.update({ name: opts.name, role: roleToProto(opts.role) });
    const view = userView(user);
    printRecord(deps, opts.output, recordFields(view, USER_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `user set-role`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('set-role')
    .description("change a user's role (admins)")
    .argument('<name>', 'user name')
    .addArgument(new Argument('<role>', 'new role').choices(ROLES))
    .action((name: string, role: Role, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, role })),
    );
}
