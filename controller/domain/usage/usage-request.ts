/** GetUsage's request rules: the period and the keys, every violation at once. */
import type { FieldViolation } from '../../../common/errors.js';
import { isUsageGroupKey, MAX_USAGE_PERIOD_DAYS, USAGE_GROUP_KEYS, type UsageGroupKey } from '../../../common/usage/group-keys.js';
import type { UsagePeriod } from './vm-interval.js';

const DAY_MS = 24 * 3600 * 1000;

/** A usage query as the store takes it. */
export interface UsageQuery {
  period: UsagePeriod;
  /** Keys in the rows' order (USAGE_GROUP_KEYS order), no repeats. */
  groupBy: UsageGroupKey[];
}

/** What the wire request carries about the query. */
export interface UsageQueryInput {
  from: Date | undefined;
  to: Date | undefined;
  groupBy: readonly string[];
}

/**
 * Checks the period (both ends given, `from` before `to`, at most
 * MAX_USAGE_PERIOD_DAYS long) and the keys (known ones; none = all).
 */
export function checkUsageQuery(input: UsageQueryInput): { query?: UsageQuery; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const { from, to } = input;
  const valid = (d: Date | undefined) => d !== undefined && !Number.isNaN(d.getTime());
  if (!valid(from)) violations.push({ field: 'from', description: 'is required: the start of the period' });
  if (!valid(to)) violations.push({ field: 'to', description: 'is required: the end of the period (exclusive)' });
  if (valid(from) && valid(to)) {
    if (from!.getTime() >= to!.getTime()) violations.push({ field: 'to', description: 'must be after from' });
    else if (to!.getTime() - from!.getTime() > MAX_USAGE_PERIOD_DAYS * DAY_MS) {
      violations.push({ field: 'to', description: `must be at most ${MAX_USAGE_PERIOD_DAYS} days after from` });
    }
  }
  input.groupBy.forEach((key, i) => {
    if (!isUsageGroupKey(key)) violations.push({ field: `group_by[${i}]`, description: `unknown key '${key}': one of ${USAGE_GROUP_KEYS.join(', ')}` });
  });
  if (violations.length > 0) return { violations };
  const wanted = new Set(input.groupBy);
  const groupBy = wanted.size === 0 ? [...USAGE_GROUP_KEYS] : USAGE_GROUP_KEYS.filter((k) => wanted.has(k));
  return { query: { period: { from: from!, to: to! }, groupBy }, violations };
}
