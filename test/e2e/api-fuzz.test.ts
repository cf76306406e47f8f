/**
 * The short fuzz campaign of `npm test` (the long one: `npm run fuzz`):
 * seeded random and damaged messages to every RPC of a real controller
 * process, the agent stream and report upload included. Bad input never
 * makes the controller fail: no INTERNAL, UNKNOWN or DATA_LOSS, no error
 * logged, the controller alive and SERVING, and its JS heap (after full
 * garbage collections) back near the level it had after a warm-up.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../helpers/databases.js';
import { HEAP_SLACK_MIB, runCampaign } from '../fuzz/campaign.js';
import { FUZZ_CONTROLLER_ARGS } from '../fuzz/controller-args.js';

const CALLS = { sqlite: 1_200, postgres: 600 } as const;

describe.each(TEST_DATABASES)('fuzzing every RPC (%s)', (database) => {
  it(`answers ${CALLS[database]} random and damaged calls without failing`, async () => {
    const result = await runCampaign({ seed: 17, calls: CALLS[database], database, controllerArgs: FUZZ_CONTROLLER_ARGS });
    const summary = JSON.stringify({ codes: result.codes, heapMiB: result.heapMiB, rssMiB: result.rssMiB, durationMs: result.durationMs });
    console.log(`[api-fuzz ${database}] ${result.sent} calls: ${summary}`);
    expect(result.failures.map((f) => `${f.method} as ${f.caller}: ${f.code} ${f.details}`)).toEqual([]);
    expect(result.errorLogs).toEqual([]);
    expect(result.alive).toBe(true);
    expect(result.serving).toBe(true);
    expect(result.heapMiB.after - result.heapMiB.warm).toBeLessThanOrEqual(HEAP_SLACK_MIB);
    // The campaign reached every method (a method it never called would be untested).
    expect(result.uncalled).toEqual([]);
  }, 240_000);
});
