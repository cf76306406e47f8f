import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { imagePreparationScript } from './image-preparation.js';

const run = promisify(execFile);
const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function write(path: string, content = 'x'): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

describe('image preparation script', () => {
  it('deletes the agent’s state, config, socket, logs and cloud-init’s instance record, and keeps what recipes installed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipstream-image-prep-'));
    cleanups.push(root);
    const workDir = join(root, 'var/lib/slipstream');
    const agentDir = join(root, 'opt/slipstream');
    const cloudDir = join(root, 'var/lib/cloud');
    for (const file of ['agent.json', 'state.json', 'state.json.123.tmp', 'agent.sock', 'logs/install.log', 'reports/r.txt', 'scripts/1.sh', 'bin/ss-get', 'tmp/t', 'home/app/installed', 'home/.cache/kept']) {
      await write(join(workDir, file));
    }
    await write(join(agentDir, 'agent.json'), '{"bootstrapToken":"sbt_x"}');
    await write(join(agentDir, 'agent.mjs'));
    await write(join(cloudDir, 'instances/i-123/user-data.txt'), 'sbt_x');
    await write(join(cloudDir, 'data/instance-id'));
    await write(join(cloudDir, 'sem/config_scripts_per_once.once'));
    await write(join(cloudDir, 'seed/nocloud/meta-data'));

    const script = join(root, 'prepare.sh');
    await writeFile(script, imagePreparationScript({ workDir, agentDir, cloudDir, stopAgent: false }));
    await run('bash', [script]);

    expect((await readdir(workDir)).sort()).toEqual(['home']);
    expect((await readdir(join(workDir, 'home'), { recursive: true })).sort()).toEqual(['.cache', '.cache/kept', 'app', 'app/installed']);
    expect(await readdir(agentDir)).toEqual(['agent.mjs']);
    expect(await readdir(cloudDir)).toEqual(['seed']);
    // Run twice (a retried build): nothing left to delete is fine.
    await run('bash', [script]);
  });

  it('stops the agent service last by default', () => {
    const lines = imagePreparationScript().trim().split('\n');
    expect(lines.at(-1)).toBe('systemctl disable --now slipstream-agent.service');
    expect(lines).toContain("cd '/var/lib/slipstream'");
    expect(lines).toContain("rm -f -- '/opt/slipstream/agent.json'");
  });
});
