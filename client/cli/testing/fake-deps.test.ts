import { beforeEach, describe, expect, it } from 'vitest';
import { fakeDeps, UnexpectedCallError, type FakeDeps } from './fake-deps.js';

describe('fakeDeps', () => {
  it('records the calls to the methods a test gave', async () => {
    const deps = fakeDeps({ runs: { events: async () => [] } });
    expect(await deps.connect().runs.events('r-1', 3)).toEqual([]);
    expect(deps.argsOf('runs.events')).toEqual([['r-1', 3]]);
    expect(deps.calls).toEqual([{ method: 'runs.events', args: ['r-1', 3] }]);
  });

  it.fails('fails the test after a call to a method it did not give, even when the caller caught it', () => {
    const deps = fakeDeps({});
    expect(() => deps.connect().modules.delete('x')).toThrow(UnexpectedCallError);
  });

  it.fails('fails the test after a read of a client field that is no service', () => {
    const deps = fakeDeps({});
    expect(() => deps.connect().options).toThrow(UnexpectedCallError);
  });

  describe('made in beforeEach', () => {
    let deps: FakeDeps;
    beforeEach(() => {
      deps = fakeDeps({});
    });

    it.fails('still fails the test after an unexpected call', () => {
      expect(() => deps.connect().runs.get('r-1')).toThrow(UnexpectedCallError);
    });
  });
});
