import { describe, expect, it } from 'vitest';
import { reportMissingEvent } from './report-missing.js';
import { MAX_RUN_WARNINGS, MORE_WARNINGS, runWarnings, WARNING_EVENTS_READ } from './run-warnings.js';

describe('runWarnings', () => {
  it('keeps the order, says each once, and drops the `warning: ` of a report-missing event', () => {
    const missing = reportMissingEvent('web.1', 'web.1.tar.gz', 'timed out').text;
    expect(runWarnings([missing, 'web.2: no capacity', missing])).toEqual(['no report from web.1 (web.1.tar.gz): timed out', 'web.2: no capacity']);
    expect(runWarnings([])).toEqual([]);
  });

  it(`stops at ${MAX_RUN_WARNINGS} and points to the run's events`, () => {
    const many = Array.from({ length: MAX_RUN_WARNINGS + 1 }, (_, i) => `web.${i}: no capacity`);
    const warnings = runWarnings(many);
    expect(warnings).toHaveLength(MAX_RUN_WARNINGS + 1);
    expect(warnings.at(-2)).toBe(`web.${MAX_RUN_WARNINGS - 1}: no capacity`);
    expect(warnings.at(-1)).toBe(MORE_WARNINGS);
    expect(runWarnings(many.slice(0, MAX_RUN_WARNINGS))).not.toContain(MORE_WARNINGS);
  });

  it('says there are more when the events read were all repeats and one more came', () => {
    const repeats = Array.from({ length: WARNING_EVENTS_READ }, () => 'web.1: no capacity');
    expect(runWarnings(repeats)).toEqual(['web.1: no capacity']);
    expect(runWarnings([...repeats, 'web.2: no capacity'])).toEqual(['web.1: no capacity', MORE_WARNINGS]);
  });
});
