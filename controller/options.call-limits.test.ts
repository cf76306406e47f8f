/** The call limit options: documented defaults, operator values, and a bad value refused naming the limit. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnController } from '../test/helpers/controller-process.js';
import { DEFAULT_CALL_LIMITS } from './api/guards/call-limits.js';
import { compileControllerOptions, OptionsError } from './options.js';

const dataDir = '/tmp/slipstream-options-test';

describe('call limit options', () => {
  it('default to 32 streams per token, 256 per tenant, 100 changes at once and 20 a second per token, 300 and 60 per tenant, 2 sessions per agent', () => {
    expect(compileControllerOptions({ dataDir }).callLimits).toEqual({
      streamsPerToken: 32,
      streamsPerTenant: 256,
      mutationsPerToken: { burst: 100, perSecond: 20 },
      mutationsPerTenant: { burst: 300, perSecond: 60 },
      sessionsPerAgent: 2,
    });
    expect(compileControllerOptions({ dataDir }).callLimits).toEqual(DEFAULT_CALL_LIMITS);
  });

  it('take the operator’s values, 0 turning a limit off', () => {
    const input = { streamsPerToken: 0, sessionsPerAgent: 4, mutationsPerTenant: { burst: 1000, perSecond: 0.5 } };
    expect(compileControllerOptions({ dataDir, callLimits: input }).callLimits).toEqual({ ...DEFAULT_CALL_LIMITS, ...input });
  });

  it.each([
    [{ streamsPerTenant: -1 }, 'max streams per tenant: must be a whole number, 0 for no limit (got -1)'],
    [{ sessionsPerAgent: Number('two') }, 'max sessions per agent: must be a whole number, 0 for no limit (got NaN)'],
    [{ mutationsPerToken: { burst: 100, perSecond: Number.NaN } }, 'mutation rate per token: must be calls per second, 0 for no limit (got NaN)'],
  ])('refuses %o', (callLimits, message) => {
    expect(() => compileControllerOptions({ dataDir, callLimits })).toThrow(new OptionsError(message));
  });
});

describe('call limit flags', () => {
  it.each([
    [['--max-streams-per-token', '-3'], {}, 'max streams per token: must be a whole number, 0 for no limit (got -3)'],
    [[], { SLIPSTREAM_MUTATION_BURST_PER_TENANT: '0' }, 'mutation burst per tenant: must be at least 1 when the rate is limited'],
  ])('reach the options from the command line and the environment: %j %j', async (args, env, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstream-flags-'));
    try {
      const controller = spawnController(['--data-dir', dir, '--listen', '127.0.0.1:0', ...args], env);
      expect(await controller.exited).toBe(2);
      expect(controller.stderr()).toContain(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
