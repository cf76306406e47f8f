import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { anEvent } from '../../testing/runs.js';
import { notFound } from '../../testing/service-errors.js';
import { run } from './events.js';

const EVENTS = [anEvent(1, 'launch', 'launched app/web@2'), anEvent(2, 'abort', 'disk\nfull', 'agent:web.1')];

describe('run events', () => {
  it('lists the events oldest first, one line each', async () => {
    const deps = fakeDeps({ runs: { events: async () => EVENTS } });
    expect(await run(deps, { output: 'table', id: 'r-1' })).toBe(0);
    expect(deps.argsOf('runs.events')).toEqual([['r-1']]);
    expect(deps.out()).toBe(
      'SEQ\tTIME\tACTOR\tTYPE\tMESSAGE\n' +
        '1\t2025-01-31T12:00:00Z\talice\tlaunch\tlaunched app/web@2\n' +
        '2\t2025-01-31T12:00:00Z\tagent:web.1\tabort\tdisk full\n',
    );
  });

  it('prints the events as JSON', async () => {
    const deps = fakeDeps({ runs: { events: async () => EVENTS } });
    expect(await run(deps, { output: 'json', id: 'r-1' })).toBe(0);
    expect(JSON.parse(deps.out())).toMatchObject([
      { sequence: 1, actor: 'alice', type: 'launch', message: 'launched app/web@2', time: '2025-01-31T12:00:00.000Z' },
      { sequence: 2, actor: 'agent:web.1', type: 'abort', message: 'disk\nfull' },
    ]);
  });

  it('exits 1 for an unknown run', async () => {
    const deps = fakeDeps({ runs: { events: async () => Promise.reject(notFound('run', 'r-9')) } });
    expect(await run(deps, { output: 'table', id: 'r-9' })).toBe(1);
    expect(deps.err()).toBe('error: run r-9 not found\n');
  });
});
