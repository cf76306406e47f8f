/** `slipstream whoami`: the user, tenant and role of the token in use. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { userView } from '../../views/admin.js';

/** Options of `whoami`. */
export type WhoamiOptions = OutputOptions;

/** Asks the controller who the caller is. */
export function run(deps: CliDeps, opts: WhoamiOptions): Promise<number> {
  return guarded(deps, async () => {
    const me = await deps.connect().users.whoAmI();
    const user = userView(me.user);
    const view = { ...user, tokenName: me.tokenName, operatorTenant: me.operatorTenant };
    printRecord(
      deps,
      opts.output,
      [
        ['user', user.name],
        ['tenant', `${user.tenant}${me.operatorTenant ? ' (operator)' : ''}`],
        ['role', user.role],
        ['token', me.tokenName],
      ],
      view,
    );
    return ExitCode.ok;
  });
}

/** Registers `whoami` (a top-level command). */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('whoami')
    .description('show the user, tenant and role of the token in use')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
