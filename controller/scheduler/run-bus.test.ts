import { describe, expect, it } from 'vitest';
import { RunBus, type RunChange } from './run-bus.js';

const journal: RunChange = { kind: 'journal', entries: [] };
const state: RunChange = { kind: 'state', state: 'Done', epoch: 0, abortMessage: undefined };

describe('RunBus', () => {
  it('tells a subscriber only the kinds of change it asked for, and every kind by default', () => {
    const bus = new RunBus();
    const stateOnly: RunChange['kind'][] = [];
    const everything: RunChange['kind'][] = [];
    bus.subscribe('run-1', (c) => stateOnly.push(c.kind), ['state']);
    bus.subscribe('run-1', (c) => everything.push(c.kind));
    bus.subscribe('run-2', () => expect.unreachable('another run'));
    for (const change of [journal, { kind: 'parameters', values: [] } as RunChange, state, { kind: 'instances' } as RunChange]) bus.publish('run-1', change);
    expect(stateOnly).toEqual(['state']);
    expect(everything).toEqual(['journal', 'parameters', 'state', 'instances']);
  });

  it('stops telling a subscriber once it unsubscribed, also one that unsubscribes while being told', () => {
    const bus = new RunBus();
    const heard: string[] = [];
    const unsubscribeFirst = bus.subscribe('run-1', () => {
      heard.push('first');
      unsubscribeFirst();
    });
    const unsubscribeSecond = bus.subscribe('run-1', () => heard.push('second'), ['state', 'journal']);
    bus.publish('run-1', state);
    bus.publish('run-1', state);
    unsubscribeSecond();
    bus.publish('run-1', journal);
    expect(heard).toEqual(['first', 'second', 'second']);
  });

  it('tells its tap of a run’s first subscriber and last unsubscribe, and lets it trim local publishes but not deliveries from elsewhere', () => {
    const bus = new RunBus();
    const seen: string[] = [];
    bus.setTap({
      watched: (runId) => seen.push(`watched ${runId}`),
      unwatched: (runId) => seen.push(`unwatched ${runId}`),
      published: (runId, change) => {
        seen.push(`published ${change.kind}`);
        return change.kind === 'state' ? undefined : change;
      },
    });
    const heard: string[] = [];
    const offChanges = bus.subscribe('run-1', (c) => heard.push(c.kind));
    const offKeys = bus.subscribeKeys('run-1', ['k'], (key, value) => heard.push(`${key}=${value}`));
    expect(bus.watchedRuns()).toEqual(['run-1']);
    bus.publish('run-1', state);
    bus.publish('run-1', journal);
    bus.deliver('run-1', state);
    bus.deliver('run-1', { kind: 'parameters', values: [{ key: 'k', value: 'v' }] });
    offChanges();
    offChanges();
    offKeys();
    expect(heard).toEqual(['journal', 'state', 'parameters', 'k=v']);
    expect(seen).toEqual(['watched run-1', 'published state', 'published journal', 'unwatched run-1']);
    expect(bus.watchedRuns()).toEqual([]);
  });
});

describe('RunBus.listening', () => {
  it('waits for its tap to have read where a watched run starts; at once without a tap or for a run nobody here watches', async () => {
    const untapped = new RunBus();
    untapped.subscribe('r1', () => {});
    await untapped.listening('r1');

    const bus = new RunBus();
    let baselineRead!: () => void;
    const asked: string[] = [];
    bus.setTap({
      watched: () => {},
      unwatched: () => {},
      published: (_runId, change) => change,
      listening: (runId) => {
        asked.push(runId);
        return new Promise<void>((resolve) => (baselineRead = resolve));
      },
    });
    await bus.listening('nobody-watches');
    expect(asked).toEqual([]);
    bus.subscribe('r1', () => {});
    let listening = false;
    const waited = bus.listening('r1').then(() => (listening = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(listening).toBe(false);
    baselineRead();
    await waited;
    expect(asked).toEqual(['r1']);
  });
});

describe('RunBus activity (watchers of every run)', () => {
  it('hears every run’s local publishes, deletions, other replicas’ notices and a possible loss of them; deletions reach the tap', () => {
    const bus = new RunBus();
    const heard: string[] = [];
    const tapDeleted: string[] = [];
    bus.setTap({ watched: () => {}, unwatched: () => {}, published: () => undefined, deleted: (runIds) => tapDeleted.push(...runIds) });
    const off = bus.subscribeActivity({ changed: (runId, kinds) => heard.push(`${runId} ${kinds.join(',')}`), mayHaveMissed: () => heard.push('missed') });
    bus.publish('run-1', state);
    bus.publish('run-2', journal);
    bus.deleted(['run-3', 'run-4']);
    bus.deleted([]);
    bus.noticed('run-5', ['instances', 'parameters']);
    bus.missedNotices();
    off();
    bus.publish('run-1', state);
    expect(heard).toEqual(['run-1 state', 'run-2 journal', 'run-3 deleted', 'run-4 deleted', 'run-5 instances,parameters', 'missed']);
    expect(tapDeleted).toEqual(['run-3', 'run-4']);
  });
});
