/** How usage looks in tables and JSON output. */
import type { Usage, UsageRow } from '../../services/usage.js';
import type { UsageGroupKey } from '../../../common/usage/group-keys.js';
import { formatTime, type Column } from '../output.js';

/** Hours with two decimals (36 s is 0.01 h). */
export const formatHours = (hours: number): string => hours.toFixed(2);

/** The columns of a usage table: the grouped keys, then the sums. */
export function usageColumns(keys: readonly UsageGroupKey[]): Column<UsageRow>[] {
  return [
    ...keys.map((key): Column<UsageRow> => ({ header: key, value: (row) => row[key] })),
    { header: 'instance hours', value: (row) => formatHours(row.instanceHours) },
    { header: 'runs', value: (row) => String(row.runs) },
    { header: 'instances', value: (row) => String(row.instances) },
  ];
}

/** The totals as a last table row: `total` in the first key's column. */
export function totalsRow(usage: Usage, keys: readonly UsageGroupKey[]): UsageRow {
  const first = keys[0] ?? 'tenant';
  return { ...usage.totals, tenant: '', user: '', cloud: '', module: '', [first]: 'total' };
}

/** Usage for `--output json`: times as ISO strings. */
export function usageJson(usage: Usage): unknown {
  return { from: formatTime(usage.from), to: formatTime(usage.to), asOf: formatTime(usage.asOf), groupBy: usage.groupBy, rows: usage.rows, totals: usage.totals };
}
