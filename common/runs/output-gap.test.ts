import { describe, expect, it } from 'vitest';
import { formatDecimalBytes, outputGapNotice } from './output-gap.js';

describe('the notice of a gap in a log', () => {
  it('says how much was dropped and which report has it', () => {
    expect(outputGapNotice({ runId: 'r-1', instance: 'web.1', phase: 'deployment', lines: 760_052, bytes: 48_643_328 })).toBe(
      '[slipstream] 760,052 lines (48.6 MB) of output dropped here; the full output is in the report: slipstream run reports r-1 --instance web.1 (logs/deployment.log)',
    );
  });

  it('leaves out what it does not know: the bytes of an older agent, the phase', () => {
    expect(outputGapNotice({ runId: 'r-1', instance: 'web.1', phase: '', lines: 1, bytes: 0 })).toBe(
      '[slipstream] 1 line of output dropped here; the full output is in the report: slipstream run reports r-1 --instance web.1',
    );
  });

  it('writes sizes in decimal units, rounded the way they print', () => {
    expect([0, 999, 1_000, 473_600, 999_960, 48_643_328, 5e12].map(formatDecimalBytes)).toEqual(['0 B', '999 B', '1.0 kB', '473.6 kB', '1.0 MB', '48.6 MB', '5.0 TB']);
  });
});
