/** `slipstream quota set CLOUD MAX [--tenant T]` / `slipstream quota set CLOUD --unlimited [--tenant T]` (operator admins). */
import type { Command } from 'commander';
import type { QuotaLimit } from '../../../services/clouds.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { parseIntAtLeast } from '../../flags.js';
import { printRecord } from '../../output.js';
import { recordFields } from '../../views/admin.js';
import { QUOTA_COLUMNS } from '../../views/clouds.js';

/** Options of `quota set`. */
export interface QuotaSetOptions extends OutputOptions {
  cloud: string;
  /** Maximum concurrent instances (0: none allowed), or `unlimited` to remove the quota. */
  max: QuotaLimit;
  /** Absent = your own tenant. */
  tenant?: string;
}

/** Sets (or with `unlimited` removes) the quota and prints it. */
export function run(deps: CliDeps, opts: QuotaSetOptions): Promise<number> {
  return guarded(deps, async () => {
    const quota = await deps.connect().clouds.setQuota(opts.tenant, opts.cloud, opts.max);
    printRecord(deps, opts.output, recordFields(quota, QUOTA_COLUMNS), quota);
    return ExitCode.ok;
  });
}

/** MAX or --unlimited, exactly one. */
function limitOf(max: number | undefined, unlimited: boolean | undefined): QuotaLimit {
  if (max !== undefined && unlimited) throw new UsageError('give MAX or --unlimited, not both');
  if (unlimited) return 'unlimited';
  if (max === undefined) throw new UsageError('give MAX (a whole number >= 0) or --unlimited');
  return max;
}

/** Registers `quota set`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('set')
    .description("set a tenant's maximum of concurrent instances on a cloud, or remove it with --unlimited (operator admins)")
    .argument('<cloud>', 'cloud name')
    .argument('[max]', 'maximum concurrent instances (0: none allowed)', parseIntAtLeast(0))
    .option('--unlimited', 'remove the quota: no limit')
    .option('--tenant <tenant>', 'the tenant (default: yours)')
    .action((cloud: string, max: number | undefined, flags: { unlimited?: boolean; tenant?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, cloud, max: limitOf(max, flags.unlimited), tenant: flags.tenant })),
    );
}
