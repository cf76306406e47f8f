/**
 * Local VMs whose work dirs are too long for `<workDir>/agent.sock` (a
 * --local-vm-dir of ~80 bytes, then the run uuid and the instance: ~135
 * bytes, where a Unix socket path may have 107), as under a long home: the
 * agent puts its socket in a private folder under the temp dir, and the run
 * reaches Ready with its recipes' ss-set and ss-get working. When even the
 * temp dir is too long the agent exits at once, and the run's abort message
 * says why, in the agent's own words. SQLite only: nothing here depends on
 * the database.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModuleDocument } from '../../common/modules/types.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from '../helpers/poll.js';

const RECIPE = `
set -eu
ss-set greeting "hello from $SLIPSTREAM_NODE_INSTANCE"
ss-set url "$(ss-get greeting) on $(ss-get port)"
ss-set socket "$SLIPSTREAM_AGENT_SOCKET"
`;

const LONG: ModuleDocument = {
  kind: 'component',
  path: 'long/box',
  description: 'uses the agent socket from a long work dir',
  images: { local: 'local' },
  resources: {},
  recipes: { deployment: RECIPE },
  parameters: [
    { name: 'port', category: 'input', type: 'int', default: '8080' },
    ...['greeting', 'url', 'socket'].map((name) => ({ name, category: 'output' as const, type: 'string' as const })),
  ],
};

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A new folder under /tmp whose path is `bytes` long, passable by the `nobody` a root controller runs VMs as. */
function folderOf(bytes: number): string {
  const base = mkdtempSync(join(tmpdir(), 'ss-long-'));
  chmodSync(base, 0o755);
  folders.push(base);
  const folder = join(base, 'p'.repeat(bytes - Buffer.byteLength(base) - 1));
  mkdirSync(folder, { mode: 0o755 });
  return folder;
}

describe('local VMs with a work dir too long for the agent socket', () => {
  let harness: Harness | undefined;
  afterAll(() => harness?.close());

  it('reach Ready; the recipes use the socket in a private temp folder', async () => {
    const localVmDir = folderOf(80);
    harness = await startHarness({ database: 'sqlite', controllerOptions: { localVmDir } });
    const { client, runs } = harness;
    await client.modules.save(LONG);
    const run = await runs.launch('long/box');
    const instance = run.nodes[0]!.instances[0]!.name;
    const workDirSocket = join(localVmDir, run.id, instance, 'agent.sock');
    expect(Buffer.byteLength(workDirSocket)).toBeGreaterThan(107);

    const ready = await runs.waitForState(run.id, RunState.RUN_STATE_READY, 120_000);
    expect(ready.abortMessage).toBe('');
    expect((await runs.parameter(run.id, `${instance}:url`)).value).toBe(`hello from ${instance} on 8080`);
    const socket = (await runs.parameter(run.id, `${instance}:socket`)).value;
    expect(socket).toMatch(new RegExp(`^${tmpdir()}/slipstream-agent-[A-Za-z0-9]{6}/agent\\.sock$`));
  });

  it("abort the run with the agent's reason when even the temp dir is too long", async () => {
    await harness?.close();
    const localVmDir = folderOf(80);
    // The agents inherit TMPDIR from the controller's environment as it starts.
    const longTmp = folderOf(100);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = longTmp;
    try {
      harness = await startHarness({ database: 'sqlite', controllerOptions: { localVmDir } });
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const { client, runs, controller } = harness;
    await client.modules.save(LONG);
    const run = await runs.launch('long/box');
    const aborted = await waitFor(
      'the run to be aborted',
      async () => {
        await controller.reconcile();
        const current = await runs.get(run.id);
        return current.state === RunState.RUN_STATE_ABORTED ? current : undefined;
      },
      120_000,
    );
    expect(aborted.abortMessage).toMatch(
      /was lost: its VM \S+ is stopped on cloud 'local': agent exited: slipstream-agent: config\.workDir: too long for the agent socket \(/,
    );
  });
});
