import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { NodeInstanceSchema, RunNodeSchema, RunParameterSchema, RunSchema, RunState, WatchRunResponseSchema, type WatchRunResponse } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { RunStore } from './run-store.js';

const snapshot = (instances: number): WatchRunResponse =>
  create(WatchRunResponseSchema, {
    sequence: 0n,
    update: {
      case: 'snapshot',
      value: create(RunSchema, {
        id: 'r1',
        state: RunState.READY,
        nodes: [create(RunNodeSchema, { name: 'web', instances: Array.from({ length: instances }, (_, i) => create(NodeInstanceSchema, { name: `web.${i + 1}`, index: i + 1 })) })],
      }),
    },
  });
const parameter = (sequence: bigint, key: string, value: string): WatchRunResponse =>
  create(WatchRunResponseSchema, { sequence, time: timestampFromMs(1_000), update: { case: 'parameterChanged', value: create(RunParameterSchema, { key, value, set: true }) } });
const caughtUp = (sequence: bigint): WatchRunResponse => create(WatchRunResponseSchema, { sequence, update: { case: 'caughtUp', value: true } });

/** A store whose flushes run when the test says (as animation frames would). */
function storeWithFrames() {
  const frames: (() => void)[] = [];
  const store = new RunStore((flush) => frames.push(flush));
  let told = 0;
  store.subscribe(() => told++);
  const frame = () => frames.splice(0).forEach((flush) => flush());
  return { store, frame, told: () => told };
}

describe('RunStore', () => {
  it('keeps the parameter keys in order as they come, a new array only when a key is added', () => {
    const { store } = storeWithFrames();
    store.apply(snapshot(2));
    store.apply(parameter(1n, 'web.2:ip', '10.0.0.2'));
    store.apply(parameter(2n, 'web.1:ip', '10.0.0.1'));
    store.apply(parameter(3n, 'ss:abort', ''));
    const keys = store.sortedParameterKeys();
    expect(keys).toEqual(['ss:abort', 'web.1:ip', 'web.2:ip']);
    store.apply(parameter(4n, 'web.1:ip', '10.0.0.9'));
    expect(store.sortedParameterKeys()).toBe(keys);
    store.seedParameters([create(RunParameterSchema, { key: 'web.1:hostname', value: 'h1', set: true }), create(RunParameterSchema, { key: 'web.1:ip', value: 'old', set: true })]);
    expect(store.sortedParameterKeys()).toEqual(['ss:abort', 'web.1:hostname', 'web.1:ip', 'web.2:ip']);
    expect(store.parameters.get('web.1:ip')?.value).toBe('10.0.0.9');
  });

  it('replays from the snapshot to caught_up, telling the page once per frame', () => {
    const { store, frame, told } = storeWithFrames();
    expect(store.replaying).toBe(false);
    store.apply(snapshot(3));
    expect(store.replaying).toBe(true);
    store.apply(parameter(1n, 'web.1:statecustom', 'step 1'));
    store.apply(parameter(2n, 'web.1:statecustom', 'serving'));
    frame();
    expect(told()).toBe(1);
    const timeline = store.changes.timeline;
    store.apply(caughtUp(2n));
    expect(store.replaying).toBe(false);
    expect(store.changes.timeline).toBeGreaterThan(timeline);
    frame();
    expect(told()).toBe(2);
    expect(store.instances.get('web.1')?.stateCustom).toBe('serving');
  });

  it('counts the replay done when an older controller, without caught_up, goes quiet', () => {
    const { store } = storeWithFrames();
    store.apply(snapshot(1));
    store.apply(parameter(5n, 'web.1:ip', '10.0.0.1'));
    const timeline = store.changes.timeline;
    store.assumeCaughtUp();
    expect(store.replaying).toBe(false);
    expect(store.caughtUpSequence).toBe(5n);
    expect(store.changes.timeline).toBeGreaterThan(timeline);
  });
});
