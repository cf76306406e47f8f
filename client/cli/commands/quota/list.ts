/** `slipstream quota list [--tenant T]`: a tenant's quotas (clouds not listed have no limit). */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { QUOTA_COLUMNS } from '../../views/clouds.js';

/** Options of `quota list`. */
export interface QuotaListOptions extends OutputOptions {
  /** Absent = your own tenant (others: operator admins). */
  tenant?: string;
}

/** Lists the quotas with their current use. */
export function run(deps: CliDeps, opts: QuotaListOptions): Promise<number> {
  return guarded(deps, async () => {
    const quotas = await deps.connect().clouds.listQuotas(opts.tenant);
    printRows(deps, opts.output, QUOTA_COLUMNS, quotas);
    return ExitCode.ok;
  });
}

/** Registers `quota list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description("list a tenant's quotas and their use; clouds not listed have no limit")
    .option('--tenant <tenant>', 'the tenant (default: yours; others: operator admins)')
    .action((flags: { tenant?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, tenant: flags.tenant })),
    );
}
