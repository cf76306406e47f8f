import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { buildAgentBundle } from './build.js';
import { FakeController } from './testing/test-controller.js';
import { cleanupAll, memoryKb, recipeCommand, start, tempDir } from './testing/test-agent.js';

let f: FakeController | undefined;
afterEach(async () => {
  await cleanupAll();
  await f?.stop();
});

describe('agent bundle', () => {
  it('builds one small file that runs the agent and its recipe commands', async () => {
    const out = join(await tempDir(), 'agent.mjs');
    const bundle = await buildAgentBundle(out);
    const bytes = await readFile(out);
    expect(bundle).toMatchObject({ path: out, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(bundle.inputs).toEqual(expect.arrayContaining(['agent/main.ts', 'common/backoff.ts', 'proto/gen/slipstream/v1/agent.ts']));
    expect(bundle.bytes).toBeLessThan(1_500_000);

    f = await FakeController.start({ plan: { deployment: [{ source: 'app/web@1', script: 'ss-set from-bundle yes' }] } });
    const dir = await tempDir();
    const agent = start(process.execPath, [out, '--config', await f.writeConfigFile(dir)], { cwd: dir });
    await waitFor('provisioning completed by the bundle', async () => f!.hasCompleted(RunState.RUN_STATE_PROVISIONING) || undefined, 30_000);
    await waitFor('heartbeat', async () => f!.heartbeats > 0 || undefined);
    const rssKb = await memoryKb(agent.child.pid!);
    console.log(`agent bundle: ${bundle.bytes} bytes, sha256 ${bundle.sha256}; idle agent RSS ${rssKb} KiB`);

    const wrapper = await readFile(join(dir, 'bin', 'ss-get'), 'utf8');
    expect(wrapper).toContain(out);
    expect(wrapper).not.toContain('tsx');
    const get = recipeCommand(dir, 'ss-get', ['db.1:host']);
    await waitFor('wait registered', async () => f!.parameterGets.find((g) => g.key === 'db.1:host'));
    const setAt = Date.now();
    f.setParameter('db.1:host', 'h');
    expect(await get.finished).toMatchObject({ code: 0, stdout: 'h\n' });
    console.log(`ss-get (bundle) returned ${Date.now() - setAt} ms after the value was set`);

    f.setState(RunState.RUN_STATE_EXECUTING);
    await waitFor('executing', async () => f!.hasCompleted(RunState.RUN_STATE_EXECUTING) || undefined);
    expect(f.parameters.get('web.1:from-bundle')).toBe('yes');
    f.setState(RunState.RUN_STATE_CANCELLED);
    expect(await agent.finished).toMatchObject({ code: 0 });
  });
});
