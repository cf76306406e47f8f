import type { EntityManager } from '@mikro-orm/core';
import type { UsageGroupKey } from '../../../common/usage/group-keys.js';
import type { UsageQuery } from '../../domain/usage/usage-request.js';
import { dbDate, execute, isPostgres, placeholders } from './raw-sql.js';

/** One group's usage (keys not grouped by are ''). */
export interface UsageSums {
  tenant: string;
  user: string;
  cloud: string;
  module: string;
  instanceSeconds: number;
  runs: number;
  instances: number;
}

/** Which tenants a usage query covers: one (by id) or every tenant. */
export type UsageScope = { tenantId: string } | 'all-tenants';

/** The source column of each group key, in the union of live and archived rows (`u`) joined to `tenants t`. */
const KEY_COLUMNS: Record<UsageGroupKey, string> = { tenant: 't.name', user: 'u.owner', cloud: 'u.cloud', module: 'u.module_path' };

/**
 * Usage summed in the database: a period over many runs reads every VM
 * interval that meets it but returns one row per group. The rows are the
 * live runs' instances (runs left-joined to run_instances: a run without
 * instances still counts as launched, under its default cloud) and the
 * usage_archive rows of deleted runs, in one shape. The arithmetic is
 * vm-interval.ts's; usage.test.ts compares the two.
 */
export class UsageRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Sums per group of `query.groupBy` (ordered by the keys), and the totals
   * (one row, keys ''), as of `now` (a VM still running counts up to it).
   */
  async sums(scope: UsageScope, query: UsageQuery, now: Date): Promise<{ rows: UsageSums[]; totals: UsageSums }> {
    const rows = await this.grouped(scope, query, query.groupBy, now);
    const [totals] = await this.grouped(scope, query, [], now);
    return { rows, totals: totals! };
  }

  private async grouped(scope: UsageScope, query: UsageQuery, keys: readonly UsageGroupKey[], now: Date): Promise<UsageSums[]> {
    const pg = isPostgres(this.em);
    // Named values (:from, :to, :now, :tenant) bound where each appears: a value the planner sees where it is compared keeps the indexes usable.
    const tenantIs = (column: string) => (scope === 'all-tenants' ? '1 = 1' : `${column} = :tenant`);
    // Rows that matter: launched in the period, or a VM that may have run in it.
    const relevant = (launched: string, started: string, stopped: string) =>
      `((${launched} >= :from and ${launched} < :to) or (${started} < :to and (${stopped} is null or ${stopped} > :from)))`;
    const live = `select r.tenant_id, r.owner, r.module_path, coalesce(i.cloud, r.default_cloud) as cloud, r.id as run_id, r.created_at as launched_at,
        i.vm_started_at, i.vm_stopped_at
      from runs r left join run_instances i on i.run_id = r.id
      where ${tenantIs('r.tenant_id')} and ${relevant('r.created_at', 'i.vm_started_at', 'i.vm_stopped_at')}`;
    const archived = `select a.tenant_id, a.owner, a.module_path, a.cloud, a.run_id, a.launched_at, a.vm_started_at, a.vm_stopped_at
      from usage_archive a
      where ${tenantIs('a.tenant_id')} and ${relevant('a.launched_at', 'a.vm_started_at', 'a.vm_stopped_at')}`;
    // [started, stopped ?? now) ∩ [from, to), as vm-interval.ts's secondsDuring and ranDuring.
    const end = 'coalesce(u.vm_stopped_at, :now)';
    const ran = `(u.vm_started_at < :to and ${end} > :from and ${end} > u.vm_started_at)`;
    const clippedEnd = pg ? `least(${end}, :to)` : `min(${end}, :to)`;
    const clippedStart = pg ? 'greatest(u.vm_started_at, :from)' : 'max(u.vm_started_at, :from)';
    // SQLite keeps epoch milliseconds.
    const seconds = pg ? `extract(epoch from (${clippedEnd} - ${clippedStart}))` : `(${clippedEnd} - ${clippedStart}) / 1000.0`;
    const launched = '(u.launched_at >= :from and u.launched_at < :to)';
    const columns = keys.map((k) => `${KEY_COLUMNS[k]} as "${k}"`);
    const named = `select ${[...columns, `coalesce(sum(case when ${ran} then ${seconds} else 0 end), 0) as "seconds"`,
      `count(distinct case when ${launched} then u.run_id end) as "runs"`,
      `coalesce(sum(case when ${ran} then 1 else 0 end), 0) as "instances"`].join(', ')}
      from (${live} union all ${archived}) u join tenants t on t.id = u.tenant_id
      ${keys.length > 0 ? `group by ${keys.map((k) => KEY_COLUMNS[k]).join(', ')} order by ${keys.map((k) => KEY_COLUMNS[k]).join(', ')}` : ''}`;
    const values: Record<string, { value: unknown; type: string }> = {
      from: { value: dbDate(this.em, query.period.from), type: 'timestamptz' },
      to: { value: dbDate(this.em, query.period.to), type: 'timestamptz' },
      now: { value: dbDate(this.em, now), type: 'timestamptz' },
      tenant: { value: scope === 'all-tenants' ? null : scope.tenantId, type: 'uuid' },
    };
    const params: unknown[] = [];
    const sql = named.replace(/:(from|to|now|tenant)\b/g, (_match, name: string) => {
      const { value, type } = values[name]!;
      params.push(value);
      return pg ? `?::${type}` : '?';
    });
    const rows = await execute<Record<string, unknown>[]>(this.em, sql, params, 'all');
    return rows
      .map((row) => ({
        tenant: keys.includes('tenant') ? String(row.tenant) : '',
        user: keys.includes('user') ? String(row.user) : '',
        cloud: keys.includes('cloud') ? String(row.cloud) : '',
        module: keys.includes('module') ? String(row.module) : '',
        instanceSeconds: Number(row.seconds),
        runs: Number(row.runs),
        instances: Number(row.instances),
      }))
      // A group whose rows all fell outside the period after all (a VM that stopped exactly at `from`) says nothing.
      .filter((row) => keys.length === 0 || row.instanceSeconds > 0 || row.runs > 0 || row.instances > 0);
  }

  /**
   * Keeps the usage of runs about to be deleted (RunDeletionRepository.delete,
   * same transaction): one usage_archive row per instance, or one for a run
   * without instances (under its default cloud), as the live query reads them.
   */
  async archive(runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    // SQLite has no uuid function: a random one in the uuid's shape (the id is never looked up).
    const id = isPostgres(this.em)
      ? 'gen_random_uuid()'
      : `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
    const ids = placeholders(runIds.length);
    await execute(
      this.em,
      `insert into usage_archive (id, tenant_id, run_id, owner, module_path, cloud, launched_at, vm_started_at, vm_stopped_at)
        select ${id}, r.tenant_id, r.id, r.owner, r.module_path, coalesce(i.cloud, r.default_cloud), r.created_at, i.vm_started_at, i.vm_stopped_at
        from runs r left join run_instances i on i.run_id = r.id
        where r.id in (${ids})`,
      runIds,
      'run',
    );
  }
}
