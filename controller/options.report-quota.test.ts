/** The report quota options: documented defaults, and a bad value refused naming the option. */
import { describe, expect, it } from 'vitest';
import { compileControllerOptions, OptionsError } from './options.js';

describe('report quota options', () => {
  it('default to 16 reports and 256 MiB per instance', () => {
    expect(compileControllerOptions({ dataDir: '/tmp/slipstream-options-test' }).reportQuota).toEqual({ maxCount: 16, maxBytes: 268_435_456 });
    expect(compileControllerOptions({ dataDir: '/tmp/slipstream-options-test', reportMaxCount: 3, reportMaxBytes: 2 ** 31 - 1 }).reportQuota).toEqual({
      maxCount: 3,
      maxBytes: 2_147_483_647,
    });
  });

  it.each([
    [{ reportMaxCount: 0 }, 'report max count: must be a whole number from 1 to 1000000'],
    [{ reportMaxCount: Number('') || Number.NaN }, 'report max count: must be a whole number from 1 to 1000000'],
    [{ reportMaxBytes: 1.5 }, 'report max bytes: must be a whole number from 1 to 2147483647'],
    // A report's size is a 32-bit integer in the database.
    [{ reportMaxBytes: 2 ** 31 }, 'report max bytes: must be a whole number from 1 to 2147483647'],
  ])('refuses %o', (input, message) => {
    expect(() => compileControllerOptions({ dataDir: '/tmp/slipstream-options-test', ...input })).toThrow(new OptionsError(message));
  });
});
