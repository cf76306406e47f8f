/** `slipstream tenant get [NAME]`: one tenant; yours without a name. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { recordFields, TENANT_COLUMNS, tenantView } from '../../views/admin.js';

/** Options of `tenant get`. */
export interface TenantGetOptions extends OutputOptions {
  /** Absent = the caller's tenant. */
  name?: string;
}

/** Prints one tenant. */
export function run(deps: CliDeps, opts: TenantGetOptions): Promise<number> {
  return guarded(deps, async () => {
    const { tenant } = await deps.connect().tenants.get({ name: opts.name });
    const view = tenantView(tenant);
    printRecord(deps, opts.output, recordFields(view, TENANT_COLUMNS), view);
    return ExitCode.ok;
  });
}

/** Registers `tenant get`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get')
    .description('show a tenant (yours without a name)')
    .argument('[name]', 'tenant name')
    .action((name: string | undefined, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name })),
    );
}
