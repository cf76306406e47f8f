/**
 * A controller stops while a browser follows a run through the browser API:
 * the forwarded watch ends (the browser sees an error, not a hang) and the
 * stop completes, its HTTP server included.
 */
import { ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { BrowserApi } from '../helpers/browser-api.js';
import { startHarness, type Harness } from '../helpers/harness.js';

describe('the browser API while the controller stops', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    await harness.client.modules.save({ kind: 'component', path: 'browser/idle', images: { local: 'local' }, resources: {}, recipes: {}, parameters: [] });
  });

  afterAll(() => harness?.close());

  it('ends an open WatchRun and stops', async () => {
    const { controller, runs } = harness;
    const run = await runs.launch('browser/idle', { defaultCloud: 'local', timeoutMinutes: 5 });
    await runs.waitForState(run.id, RunState.RUN_STATE_READY);
    const api = new BrowserApi(controller.httpUrl, controller.caCertificate);
    const watch = api.stream('RunService/WatchRun', { id: run.id }, { token: controller.adminToken });
    expect((await watch.next()).done).toBe(false);
    const ended = (async () => {
      try {
        for await (const _ of watch);
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    await controller.stopControllerOnly();
    const err = await ended;
    api.close();
    expect(err).toBeInstanceOf(ConnectError);
    const stepsDone = controller.logs.filter((l) => l.msg === 'shutdown step done').map((l) => l.step);
    expect(stepsDone).toEqual(expect.arrayContaining(['agent bundle server', 'browser api', 'api server']));
  }, 120_000);
});
