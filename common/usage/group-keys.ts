/** What usage can be grouped by (GetUsage's `group_by`, `slipstream usage --by`), in the rows' key order. */
export const USAGE_GROUP_KEYS = ['tenant', 'user', 'cloud', 'module'] as const;
export type UsageGroupKey = (typeof USAGE_GROUP_KEYS)[number];

/** Narrows a supplied string to a group key. */
export function isUsageGroupKey(value: string): value is UsageGroupKey {
  return (USAGE_GROUP_KEYS as readonly string[]).includes(value);
}

/** The longest period one usage call covers: a year and a day, so that a leap year fits. */
export const MAX_USAGE_PERIOD_DAYS = 366;
