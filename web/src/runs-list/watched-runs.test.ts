import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RunSchema, RunState, WatchRunsResponseSchema, type WatchRunsResponse } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { WatchedRuns } from './watched-runs.js';

const run = (id: string, createdMs: number, state = RunState.INITIALIZING): WatchRunsResponse =>
  create(WatchRunsResponseSchema, { update: { case: 'run', value: create(RunSchema, { id, state, createdAt: timestampFromMs(createdMs) }) } });
const synced = (): WatchRunsResponse => create(WatchRunsResponseSchema, { update: { case: 'synced', value: true } });
const removed = (id: string): WatchRunsResponse => create(WatchRunsResponseSchema, { update: { case: 'removed', value: id } });

/** A list that has followed one stream to `synced` with runs a (older) and b. */
function syncedList(): WatchedRuns {
  const list = new WatchedRuns();
  list.startOver();
  list.apply(run('a', 1_000));
  list.apply(run('b', 2_000));
  list.apply(synced());
  return list;
}

describe('WatchedRuns', () => {
  it('shows the current runs at synced, newest first', () => {
    const list = new WatchedRuns();
    list.startOver();
    expect(list.apply(run('a', 1_000))).toBe(false);
    expect(list.apply(run('b', 2_000))).toBe(false);
    expect(list.runs()).toEqual([]);
    expect(list.synced).toBe(false);
    expect(list.apply(synced())).toBe(true);
    expect(list.synced).toBe(true);
    expect(list.runs().map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('replaces a run sent again and drops a removed one, once live', () => {
    const list = syncedList();
    expect(list.apply(run('a', 1_000, RunState.READY))).toBe(true);
    expect(list.runs().map((r) => [r.id, r.state])).toEqual([
      ['b', RunState.INITIALIZING],
      ['a', RunState.READY],
    ]);
    expect(list.apply(removed('b'))).toBe(true);
    expect(list.apply(removed('not-listed'))).toBe(false);
    expect(list.runs().map((r) => r.id)).toEqual(['a']);
  });

  it('starts over on a reconnect: the old list stays until the new stream synced, then is replaced without doubles', () => {
    const list = syncedList();
    list.startOver();
    // b was deleted while the stream was down; c launched.
    expect(list.apply(run('a', 1_000, RunState.DONE))).toBe(false);
    expect(list.apply(run('c', 3_000))).toBe(false);
    expect(list.runs().map((r) => r.id)).toEqual(['b', 'a']);
    list.apply(synced());
    expect(list.runs().map((r) => [r.id, r.state])).toEqual([
      ['c', RunState.INITIALIZING],
      ['a', RunState.DONE],
    ]);
  });
});
