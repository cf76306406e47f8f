/**
 * A root controller whose local VM folder its VM user cannot reach (here: the
 * data dir's parent is 0700, as mkdtemp makes it) still starts and serves;
 * it logs why local VMs cannot start, and a run on `local` is aborted with
 * that reason, naming --local-vm-dir, instead of the whole controller failing
 * for a driver it may never use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { spawnController, startedPort } from '../helpers/controller-process.js';
import { component } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/poll.js';

describe.runIf(process.geteuid?.() === 0)('a root controller whose local VM folder nobody can reach', () => {
  const parent = mkdtempSync(join(tmpdir(), 'slipstream-unreachable-')); // 0700: 'nobody' cannot pass through
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('starts, says why, and aborts a local run with the reason', async () => {
    const token = newTokenSecret();
    const proc = spawnController(['--listen', '127.0.0.1:0', '--data-dir', join(parent, 'data'), '--insecure'], { SLIPSTREAM_BOOTSTRAP_TOKEN: token });
    try {
      const port = await startedPort(proc);
      const logged = proc
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; reason?: string })
        .find((entry) => entry.msg.startsWith('local VMs cannot start on this host'));
      expect(logged?.reason).toMatch(/'nobody' .*cannot reach .*--local-vm-dir/);
      const client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });
      try {
        await client.modules.save(component('unreachable/box', { images: { local: 'local' } }));
        const run = await client.runs.launch({ module: 'unreachable/box', defaultCloud: 'local' });
        const ended = await waitFor('the run to end', async () => {
          const current = await client.runs.get(run.id);
          return ['Aborted', 'Cancelled', 'Done'].includes(current.state ?? '') ? current : undefined;
        }, 60_000);
        expect(ended.state).toBe('Aborted');
        expect(ended.abortMessage ?? '').toMatch(/--local-vm-dir/);
      } finally {
        client.close();
      }
    } finally {
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    }
  });
});
