import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../common/errors.js';
import { isInstanceName, validateWatchRun } from './run-watch.js';

describe('WatchRun request checks', () => {
  it('takes node.N instance names as run parameter keys have them', () => {
    for (const name of ['web.1', 'db-main.42', 'a.999999']) expect(isInstanceName(name), name).toBe(true);
    for (const name of ['web', 'web.0', 'web.01', 'Web.1', '.1', 'web.', 'web.1.2', 'web.1000000', 'web..1', 'web.1 ']) expect(isInstanceName(name), name).toBe(false);
  });

  it('refuses a bad log_instance naming the field; empty means every instance', () => {
    const request = { id: 'r', afterSequence: 0, includeLogs: true, logInstance: '' };
    expect(() => validateWatchRun(request)).not.toThrow();
    expect(() => validateWatchRun({ ...request, logInstance: 'web.two' })).toThrow(InvalidArgumentError);
    try {
      validateWatchRun({ ...request, logInstance: 'web.two' });
    } catch (err) {
      expect((err as InvalidArgumentError).violations.map((v) => v.field)).toEqual(['log_instance']);
    }
  });
});
