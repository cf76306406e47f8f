/** --retention: days a final run is kept (default 30, 0 = forever), refused with exit code 2 and the flag's name when not a whole number of days. */
import { describe, expect, it } from 'vitest';
import { runControllerToExit } from '../test/helpers/controller-process.js';
import { compileControllerOptions, OptionsError } from './options.js';

const DATA_DIR = '/tmp/slipstream-options-test';
const REFUSED = 'retention: --retention DAYS (SLIPSTREAM_RETENTION_DAYS) must be a whole number of days from 0 (keep forever) to 36500';

describe('retention option', () => {
  it('defaults to 30 days and takes 0 (forever) up to a century', () => {
    expect(compileControllerOptions({ dataDir: DATA_DIR }).retentionDays).toBe(30);
    expect(compileControllerOptions({ dataDir: DATA_DIR, retentionDays: 0 }).retentionDays).toBe(0);
    expect(compileControllerOptions({ dataDir: DATA_DIR, retentionDays: 36_500 }).retentionDays).toBe(36_500);
  });

  it.each([-1, 1.5, Number.NaN, 36_501])('refuses %s', (retentionDays) => {
    expect(() => compileControllerOptions({ dataDir: DATA_DIR, retentionDays })).toThrow(new OptionsError(REFUSED));
  });

  // Concurrently: each start of main.ts loads every driver's SDK (seconds on a loaded machine).
  it.concurrent.each([
    ['a flag that is no number', ['--retention', 'a week'], {}],
    ['a blank environment variable (not 0, which would keep runs forever)', [], { SLIPSTREAM_RETENTION_DAYS: ' ' }],
  ])('the controller exits 2 naming the flag for %s', (_what, args, env) => {
    const result = runControllerToExit(['--data-dir', DATA_DIR, ...args], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`slipstream-controller: ${REFUSED}\n`);
  });
});
