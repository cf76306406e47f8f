import { describe, expect, it } from 'vitest';
import { checkUsageQuery } from './usage-request.js';

const from = new Date('2026-12-01T00:00:00Z');
const to = new Date('2026-12-08T00:00:00Z');

describe('checkUsageQuery', () => {
  it('takes every key when none is given, and the given ones in the rows order', () => {
    expect(checkUsageQuery({ from, to, groupBy: [] })).toEqual({ query: { period: { from, to }, groupBy: ['tenant', 'user', 'cloud', 'module'] }, violations: [] });
    expect(checkUsageQuery({ from, to, groupBy: ['module', 'cloud', 'module'] }).query?.groupBy).toEqual(['cloud', 'module']);
  });

  it('accepts a period of 366 days, not one more millisecond', () => {
    const year = new Date(from.getTime() + 366 * 24 * 3600 * 1000);
    expect(checkUsageQuery({ from, to: year, groupBy: [] }).violations).toEqual([]);
    expect(checkUsageQuery({ from, to: new Date(year.getTime() + 1), groupBy: [] }).violations).toEqual([{ field: 'to', description: 'must be at most 366 days after from' }]);
  });

  it('names every bad field at once', () => {
    expect(checkUsageQuery({ from: undefined, to: undefined, groupBy: ['tenant', 'project'] }).violations).toEqual([
      { field: 'from', description: 'is required: the start of the period' },
      { field: 'to', description: 'is required: the end of the period (exclusive)' },
      { field: 'group_by[1]', description: "unknown key 'project': one of tenant, user, cloud, module" },
    ]);
    expect(checkUsageQuery({ from: to, to: from, groupBy: [] }).violations).toEqual([{ field: 'to', description: 'must be after from' }]);
    expect(checkUsageQuery({ from, to: from, groupBy: [] }).violations).toEqual([{ field: 'to', description: 'must be after from' }]);
  });
});
