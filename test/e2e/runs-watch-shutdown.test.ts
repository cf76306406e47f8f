/**
 * A controller stops while clients follow the run list: every open
 * WatchRuns ends (the client sees the stream end or fail, not a hang) and
 * the stop completes; a watch waiting between changes holds nothing up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { RunListRecorder } from '../helpers/run-list-recorder.js';

describe('WatchRuns while the controller stops', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite' });
  });

  afterAll(() => harness?.close());

  it('ends every open WatchRuns and stops', async () => {
    const { controller, client } = harness;
    const watches = [new RunListRecorder((signal) => client.runs.watchRuns({ signal })), new RunListRecorder((signal) => client.runs.watchRuns({ states: ['Ready'], signal }))];
    for (const watch of watches) await watch.until('synced', (w) => w.synced);
    await controller.stopControllerOnly();
    await Promise.all(watches.map((w) => w.done));
    for (const watch of watches) expect(watch.ended).toBe(true);
    const stepsDone = controller.logs.filter((l) => l.msg === 'shutdown step done').map((l) => l.step);
    expect(stepsDone).toEqual(expect.arrayContaining(['api server']));
  }, 60_000);
});
