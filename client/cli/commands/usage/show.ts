/**
 * `slipstream usage [--from D] [--to D] [--by KEYS] [--tenant T | --all-tenants]`:
 * instance-hours, launched runs and instances over a period, per group, with totals.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { isUsageGroupKey, USAGE_GROUP_KEYS, type UsageGroupKey } from '../../../../common/usage/group-keys.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { totalsRow, usageColumns, usageJson } from '../../views/usage.js';

/** The period a bare `slipstream usage` covers: the 30 days up to now. */
export const DEFAULT_PERIOD_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/** Options of `usage`. */
export interface UsageOptions extends OutputOptions {
  /** Absent: DEFAULT_PERIOD_DAYS before `to`. */
  from?: Date;
  /** Absent: now. */
  to?: Date;
  /** Absent: every key. */
  by?: UsageGroupKey[];
  tenant?: string;
  allTenants?: boolean;
}

/**
 * `2026-12-01` (midnight UTC) or an ISO timestamp with its zone
 * (`2026-12-01T08:00:00Z`, `2026-12-01T09:00:00+01:00`).
 */
export function parseUsageTime(value: string): Date {
  const text = value.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = day
    ? new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])))
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
      ? new Date(text)
      : undefined;
  // Date.UTC rolls 2026-02-30 over into March: a day that does not exist is refused.
  if (!date || Number.isNaN(date.getTime()) || (day && date.toISOString().slice(0, 10) !== text)) {
    throw new InvalidArgumentError('expected a date (2026-12-01, UTC) or an ISO timestamp with its zone (2026-12-01T08:00:00Z)');
  }
  return date;
}

/** `tenant,cloud` -> the keys, each known. */
export function parseUsageKeys(value: string): UsageGroupKey[] {
  const keys = value.split(',').map((k) => k.trim());
  const unknown = keys.filter((k) => !isUsageGroupKey(k));
  if (keys.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected keys among ${USAGE_GROUP_KEYS.join(', ')}, comma-separated${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  return keys as UsageGroupKey[];
}

/** Reads and prints the usage. */
export function run(deps: CliDeps, opts: UsageOptions): Promise<number> {
  return guarded(deps, async () => {
    if (opts.tenant !== undefined && opts.allTenants) throw new UsageError('give --tenant or --all-tenants, not both');
    const to = opts.to ?? new Date();
    const from = opts.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
    const usage = await deps.connect().usage.get({
      from,
      to,
      ...(opts.by ? { groupBy: opts.by } : {}),
      ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
      ...(opts.allTenants ? { allTenants: true } : {}),
    });
    const keys = usage.groupBy.filter(isUsageGroupKey);
    printRows(deps, opts.output, usageColumns(keys), [...usage.rows, totalsRow(usage, keys)], () => usageJson(usage));
    return ExitCode.ok;
  });
}

/** Registers `usage` (a top-level command). */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('usage')
    .description('instance-hours, launched runs and instances over a period, per tenant, user, cloud and module (admins)')
    .option('--from <date>', `start of the period: a date (UTC) or an ISO timestamp (default: ${DEFAULT_PERIOD_DAYS} days before --to)`, parseUsageTime)
    .option('--to <date>', 'end of the period, exclusive (default: now)', parseUsageTime)
    .option('--by <keys>', `group by these keys, comma-separated: ${USAGE_GROUP_KEYS.join(', ')} (default: all)`, parseUsageKeys)
    .option('--tenant <tenant>', 'the tenant (default: yours; others: operator admins)')
    .option('--all-tenants', 'every tenant (operator admins)')
    .action((flags: { from?: Date; to?: Date; by?: UsageGroupKey[]; tenant?: string; allTenants?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({
        output: g.output,
        ...(flags.from ? { from: flags.from } : {}),
        ...(flags.to ? { to: flags.to } : {}),
        ...(flags.by ? { by: flags.by } : {}),
        ...(flags.tenant !== undefined ? { tenant: flags.tenant } : {}),
        ...(flags.allTenants ? { allTenants: true } : {}),
      })),
    );
}
