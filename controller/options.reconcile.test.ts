/** --reconcile-seconds: how often the clouds are compared with the runs (default 60), refused with exit code 2 and the flag's name when out of range. */
import { describe, expect, it } from 'vitest';
import { runControllerToExit } from '../test/helpers/controller-process.js';
import { compileControllerOptions, OptionsError } from './options.js';

const DATA_DIR = '/tmp/slipstream-options-test';
const REFUSED = 'reconcile seconds: --reconcile-seconds S (SLIPSTREAM_RECONCILE_SECONDS) must be a number from 1 to 86400';

describe('reconcile option', () => {
  it('defaults to a pass a minute and takes 1 s up to a day, fractions included', () => {
    expect(compileControllerOptions({ dataDir: DATA_DIR }).reconcileIntervalMs).toBe(60_000);
    expect(compileControllerOptions({ dataDir: DATA_DIR, reconcileSeconds: 1 }).reconcileIntervalMs).toBe(1_000);
    expect(compileControllerOptions({ dataDir: DATA_DIR, reconcileSeconds: 2.5 }).reconcileIntervalMs).toBe(2_500);
    expect(compileControllerOptions({ dataDir: DATA_DIR, reconcileSeconds: 86_400 }).reconcileIntervalMs).toBe(86_400_000);
  });

  // NaN is what main.ts makes of `--reconcile-seconds often` and of a blank variable.
  it.each([0, 0.5, -1, 86_401, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (reconcileSeconds) => {
    expect(() => compileControllerOptions({ dataDir: DATA_DIR, reconcileSeconds })).toThrow(new OptionsError(REFUSED));
  });

  // Concurrently: each start of main.ts loads its modules (seconds on a loaded machine).
  it.concurrent.each([
    ['a flag that is no number', ['--reconcile-seconds', 'often'], {}],
    ['a blank environment variable', [], { SLIPSTREAM_RECONCILE_SECONDS: ' ' }],
  ])('the controller exits 2 naming the flag for %s', (_what, args, env) => {
    const result = runControllerToExit(['--data-dir', DATA_DIR, ...args], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`slipstream-controller: ${REFUSED}\n`);
  });
});
