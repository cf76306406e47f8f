/**
 * The deploy's CPU floors: on every core, and on the cores the rest of the
 * machine left it (what a shared machine's other work took is not ours to
 * close).
 */
import { describe, expect, it } from 'vitest';
import { cpuFloorOnCoresLeftSeconds, cpuFloorSeconds } from '../../bench/lib/cpu.js';

describe('CPU floors', () => {
  const ours = { controller: 4, agents: 6, postgres: 2 };

  it('divides our CPU by every core, and by the cores the others left on average over the sampled time', () => {
    expect(cpuFloorSeconds(ours, 2)).toBe(6);
    // The others kept 0.5 of a core busy over 8 s: 1.5 cores left for 12 s of our CPU.
    expect(cpuFloorOnCoresLeftSeconds({ ...ours, others: 4 }, 2, 8)).toBe(8);
    expect(cpuFloorOnCoresLeftSeconds({ ...ours, others: 0 }, 2, 8)).toBe(6);
  });

  it('has no floor on the cores left without a reading of the others, without a sampled time, or with under a tenth of a core left', () => {
    expect(cpuFloorOnCoresLeftSeconds(ours, 2, 8)).toBeUndefined();
    expect(cpuFloorOnCoresLeftSeconds({ ...ours, others: 1 }, 2, 0)).toBeUndefined();
    expect(cpuFloorOnCoresLeftSeconds({ ...ours, others: 15.5 }, 2, 8)).toBeUndefined();
    expect(cpuFloorOnCoresLeftSeconds({ ...ours, others: 15 }, 2, 8)).toBe(96);
  });
});
