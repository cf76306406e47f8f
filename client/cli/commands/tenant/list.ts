/** `slipstream tenant list`: every tenant (operator admins) or one's own. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { TENANT_COLUMNS, tenantView } from '../../views/admin.js';

/** Options of `tenant list`. */
export type TenantListOptions = OutputOptions;

/** Lists tenants (all pages). */
export function run(deps: CliDeps, opts: TenantListOptions): Promise<number> {
  return guarded(deps, async () => {
    const tenants = await deps.connect().tenants.listAll();
    printRows(deps, opts.output, TENANT_COLUMNS, tenants.map(tenantView));
    return ExitCode.ok;
  });
}

/** Registers `tenant list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list tenants (all of them for operator admins, else your own)')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
