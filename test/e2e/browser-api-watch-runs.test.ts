/**
 * WatchRuns and WatchRun's caught_up through the controller's browser API
 * (Connect and gRPC-Web on the HTTP port, as the dashboard calls them): the
 * gateway serves them from the descriptor like every public method. A run
 * launched over gRPC appears in a browser's WatchRuns, reaches Ready, Done
 * after terminate, and is removed after its deletion; a bad limit is
 * INVALID_ARGUMENT naming `limit`.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/controller.js';
import { BrowserApi, type BrowserProtocol } from '../helpers/browser-api.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';

const SETUPS: { database: TestDatabase; tls: boolean }[] = [
  { database: 'sqlite', tls: false },
  { database: 'postgres', tls: true },
];

type Message = Record<string, unknown>;

/** A browser stream read in the background into `messages`, until `close()`. */
function follow(api: BrowserApi, method: string, request: Message, token: string): { messages: Message[]; failure: () => unknown; close: () => Promise<void> } {
  const messages: Message[] = [];
  const controller = new AbortController();
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const message of api.stream(method, request as never, { token, signal: controller.signal })) messages.push(message);
    } catch (error) {
      if (!controller.signal.aborted) failure = error;
    }
  })();
  return {
    messages,
    failure: () => failure,
    close: async () => {
      controller.abort();
      await done;
    },
  };
}

describe.each(SETUPS)('WatchRuns through the browser API on $database (tls: $tls)', ({ database, tls }) => {
  let harness: Harness;
  let token: string;
  const apis: BrowserApi[] = [];
  const browserApi = (protocol: BrowserProtocol = 'connect') => {
    const api = new BrowserApi(harness.controller.httpUrl, harness.controller.caCertificate, protocol);
    apis.push(api);
    return api;
  };

  beforeAll(async () => {
    harness = await startHarness({ database, tls });
    token = harness.controller.adminToken;
    await harness.client.modules.save({
      kind: 'component',
      path: 'browser/list',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-display up' },
      parameters: [],
    });
  }, 60_000);

  afterAll(async () => {
    for (const api of apis) api.close();
    await harness?.close();
  }, 60_000);

  it('pushes a run from launch to removal over Connect; gRPC-Web syncs too', async () => {
    const list = follow(browserApi(), 'RunService/WatchRuns', {}, token);
    const web = follow(browserApi('grpc-web'), 'RunService/WatchRuns', { limit: 5 }, token);
    try {
      const until = (what: string, probe: (messages: Message[]) => boolean) =>
        waitFor(what, async () => {
          if (list.failure() !== undefined) throw list.failure();
          return probe(list.messages) || undefined;
        }, 90_000);
      await until('synced', (m) => m.some((x) => x.synced === true));
      const run = await harness.client.runs.launch({ module: 'browser/list', defaultCloud: 'local', timeoutMinutes: 5 });
      harness.runs.launched.push(run.id);
      const stateOf = (m: Message[]) => (m.filter((x) => (x.run as { id?: string } | undefined)?.id === run.id).at(-1)?.run as { state?: string } | undefined)?.state;
      await until('the run Ready', (m) => stateOf(m) === 'RUN_STATE_READY');
      await harness.client.runs.terminate(run.id);
      await until('the run Done', (m) => stateOf(m) === 'RUN_STATE_DONE');
      await harness.client.runs.delete(run.id);
      await until('the run removed', (m) => m.some((x) => x.removed === run.id));
      await waitFor('gRPC-Web synced', async () => web.messages.some((x) => x.synced === true) || undefined);
      expect(web.failure()).toBeUndefined();
    } finally {
      await Promise.all([list.close(), web.close()]);
    }
  }, 150_000);

  it('sends WatchRun’s caught_up and refuses a bad WatchRuns limit naming it', async () => {
    const run = await harness.client.runs.launch({ module: 'browser/list', defaultCloud: 'local', timeoutMinutes: 5 });
    harness.runs.launched.push(run.id);
    const watch = follow(browserApi(), 'RunService/WatchRun', { id: run.id, includeLogs: true, logInstance: 'list.1' }, token);
    try {
      await waitFor('caught_up', async () => watch.messages.some((m) => m.caughtUp === true) || undefined, 30_000);
      expect(watch.messages[0]).toHaveProperty('snapshot');
    } finally {
      await watch.close();
    }
    const refused = follow(browserApi(), 'RunService/WatchRuns', { limit: 5000 }, token);
    await waitFor('the refusal', async () => refused.failure() ?? undefined);
    const error = refused.failure();
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toContain('limit');
    await refused.close();
  }, 60_000);
});
