import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../common/errors.js';
import { RunState } from '../../../proto/gen/slipstream/v1/runs.js';
import { listRunsFilter, matchesRunFilter, watchRunsRequest } from './run-list-filter.js';

const request = { states: [] as RunState[], tag: '', module: '', limit: 0 };

/** The fields an INVALID_ARGUMENT names. */
function violatedFields(call: () => unknown): string[] {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).violations.map((v) => v.field);
  }
  throw new Error('no INVALID_ARGUMENT');
}

describe('the run list filter', () => {
  it('reads the request: domain states, tag, module prefix; WatchRuns sends 200 current runs unless told, up to 1000', () => {
    expect(watchRunsRequest({ ...request, states: [RunState.RUN_STATE_READY], tag: 'prod', module: 'shop' })).toEqual({
      filter: { states: ['Ready'], tag: 'prod', modulePrefix: 'shop' },
      limit: 200,
    });
    expect(watchRunsRequest({ ...request, limit: 1000 }).limit).toBe(1000);
    expect(listRunsFilter(request)).toEqual({ states: [] });
  });

  it('names every bad field: an unknown state, a limit out of range', () => {
    expect(violatedFields(() => watchRunsRequest({ ...request, states: [42 as RunState], limit: 1001 }))).toEqual(['states', 'limit']);
    expect(violatedFields(() => watchRunsRequest({ ...request, limit: -1 }))).toEqual(['limit']);
    expect(violatedFields(() => listRunsFilter({ ...request, states: [RunState.RUN_STATE_UNSPECIFIED] }))).toEqual(['states']);
  });

  it('matches a run as the listing selects: any of the states, the tag, the module path or a folder of it', () => {
    const run = { state: 'Ready' as const, modulePath: 'shop/web', tags: ['prod', 'eu'] };
    expect(matchesRunFilter(run, {})).toBe(true);
    expect(matchesRunFilter(run, { states: ['Executing', 'Ready'], tag: 'eu', modulePrefix: 'shop' })).toBe(true);
    expect(matchesRunFilter(run, { modulePrefix: 'shop/web' })).toBe(true);
    expect(matchesRunFilter(run, { states: ['Done'] })).toBe(false);
    expect(matchesRunFilter(run, { tag: 'us' })).toBe(false);
    expect(matchesRunFilter(run, { modulePrefix: 'sho' })).toBe(false);
    expect(matchesRunFilter(run, { modulePrefix: 'shop/we' })).toBe(false);
  });
});
