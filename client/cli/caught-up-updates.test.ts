/**
 * The CLI's followers next to a controller that sends WatchRun's `caught_up`
 * marker, and one whose update kinds this client does not know (they arrive
 * as an empty oneof, as `caught_up` does at an older client): neither
 * changes the view, prints an NDJSON line, nor counts as a resumed stream's
 * progress.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { UnavailableError } from '../errors.js';
import type { RunUpdate } from '../services/run-types.js';
import type { WatchRunOptions } from '../services/runs.js';
import { followRun } from './run-follow.js';
import { resumingWatch } from './resuming-watch.js';
import { updateJson } from './views/runs.js';

const RUN_ID = '00000000-0000-4000-8000-000000000001';
const at = new Date('2026-01-01T00:00:00Z');

function snapshot(state: RunState): RunUpdate {
  return { sequence: 0, time: at, update: { $case: 'snapshot', value: pb.Run.fromPartial({ id: RUN_ID, module: { path: 'shop/web', version: 1 }, state }) } };
}
function event(sequence: number): RunUpdate {
  return { sequence, time: at, update: { $case: 'event', value: pb.RunEvent.fromPartial({ sequence, type: 'launch', actor: 'user:ada', message: 'launched' }) } };
}
function caughtUp(sequence: number): RunUpdate {
  return { sequence, time: at, update: { $case: 'caughtUp', value: true } };
}
function unknownKind(sequence: number): RunUpdate {
  return { sequence, time: at, update: undefined };
}
function finished(sequence: number): RunUpdate {
  const value = { from: RunState.RUN_STATE_READY, to: RunState.RUN_STATE_DONE, abortMessage: '' };
  return { sequence, time: at, update: { $case: 'stateChanged', value } };
}

async function* streamOf(updates: RunUpdate[], thenFail?: Error): AsyncIterable<RunUpdate> {
  for (const update of updates) yield update;
  if (thenFail) throw thenFail;
}

describe('caught_up and unknown update kinds in the CLI', () => {
  it('follows a run to its end through them, printing NDJSON only for the updates about the run', async () => {
    const updates = [snapshot(RunState.RUN_STATE_READY), event(1), caughtUp(1), unknownKind(2), finished(3), snapshot(RunState.RUN_STATE_DONE)];
    const printed: string[] = [];
    const { model, interrupted } = await followRun(() => streamOf(updates), {
      runId: RUN_ID,
      until: 'final',
      includeLogs: false,
      onUpdate: (update) => {
        const json = updateJson(update);
        if (json) printed.push(JSON.stringify(json));
      },
    });
    expect(interrupted).toBe(false);
    expect(model.state).toBe('Done');
    expect(printed).toHaveLength(4);
    expect(printed.join('\n')).not.toMatch(/caughtUp/);
    expect(printed.map((line) => Object.keys(JSON.parse(line) as object).at(-1))).toEqual(['snapshot', 'event', 'stateChanged', 'snapshot']);
  });

  it('resumes after the last entry, not after the marker, and drops the replayed marker of the new stream', async () => {
    const asked: WatchRunOptions[] = [];
    const streams = [
      streamOf([snapshot(RunState.RUN_STATE_READY), event(1), caughtUp(1)], new UnavailableError({ code: status.UNAVAILABLE, message: 'replica gone' })),
      streamOf([snapshot(RunState.RUN_STATE_READY), caughtUp(1), finished(2)]),
    ];
    const watch = resumingWatch(
      (_id, options) => {
        asked.push(options);
        return streams.shift()!;
      },
      () => {},
      { giveUpMs: 60_000, backoff: { baseMs: 1, capMs: 1 } },
    );
    const seen: (string | undefined)[] = [];
    for await (const update of watch(RUN_ID, { afterSequence: 0 })) seen.push(update.update?.$case);
    expect(asked.map((o) => o.afterSequence)).toEqual([0, 1]);
    expect(seen).toEqual(['snapshot', 'event', 'caughtUp', 'snapshot', 'stateChanged']);
  });

  it('gives up on streams that send the snapshot and the marker but never an entry', async () => {
    let opened = 0;
    const watch = resumingWatch(
      () => {
        opened++;
        return streamOf([snapshot(RunState.RUN_STATE_EXECUTING), caughtUp(5)], new UnavailableError({ code: status.UNAVAILABLE, message: 'replica gone' }));
      },
      () => {},
      { giveUpMs: 30, backoff: { baseMs: 1, capMs: 2 } },
    );
    await expect(
      (async () => {
        for await (const _update of watch(RUN_ID, { afterSequence: 5 })) void _update;
      })(),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(opened).toBeGreaterThan(1);
  });
});
