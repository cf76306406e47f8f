import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { IMAGE_PREPARED_PARAMETER } from '../../../common/images/image-preparation.js';
import { prepareForImage } from '../../../agent/image-preparation.js';
import { createAgentLogger } from '../../../agent/log.js';
import { LogBuffer } from '../../../agent/log-buffer.js';
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
    await writeFile(script, imagePreparationScript({ workDir, agentDir, cloudDir, disableAgent: false }));
    await run('bash', [script]);

    expect((await readdir(workDir)).sort()).toEqual(['home']);
    expect((await readdir(join(workDir, 'home'), { recursive: true })).sort()).toEqual(['.cache', '.cache/kept', 'app', 'app/installed']);
    expect(await readdir(agentDir)).toEqual(['agent.mjs']);
    expect(await readdir(cloudDir)).toEqual(['seed']);
    // Run twice (a retried build): nothing left to delete is fine.
    await run('bash', [script]);
  });

  it('disables the agent service last by default, without stopping it (the agent must live to tell the controller)', () => {
    const lines = imagePreparationScript().trim().split('\n');
    expect(lines.at(-1)).toBe('systemctl disable slipstream-agent.service');
    expect(lines).toContain("cd '/var/lib/slipstream'");
    expect(lines).toContain("rm -f -- '/opt/slipstream/agent.json'");
  });
});

describe('the agent preparing its VM with this script (agent/image-preparation.ts)', () => {
  it('deletes the token and the credential before it tells the controller, keeps the recipes’ output, and says so once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipstream-image-prep-agent-'));
    cleanups.push(root);
    const workDir = join(root, 'var/lib/slipstream');
    const agentDir = join(root, 'opt/slipstream');
    const cloudDir = join(root, 'var/lib/cloud');
    await write(join(workDir, 'state.json'), '{"credential":"snc_secret"}');
    await write(join(workDir, 'logs/postinstall.log'), 'installed nginx');
    await write(join(workDir, 'home/site/index.html'), 'hello');
    await write(join(agentDir, 'agent.json'), '{"bootstrapToken":"sbt_secret"}');
    await write(join(cloudDir, 'instances/i-1/user-data.txt'), 'sbt_secret');

    const sets: { key: string; value: string; filesLeft: string[] }[] = [];
    const logs = new LogBuffer('machine.1');
    const outcome = await prepareForImage({
      script: imagePreparationScript({ workDir, agentDir, cloudDir, disableAgent: false }),
      workDir,
      env: process.env,
      logs,
      log: createAgentLogger({ level: 'error', sink: () => undefined }),
      setParameter: async (key, value) => {
        // What the disk holds when the controller hears of it (and may snapshot at once).
        sets.push({ key, value, filesLeft: (await readdir(root, { recursive: true })).map(String).sort() });
      },
      abort: async (message) => {
        throw new Error(`unexpected abort: ${message}`);
      },
      signal: new AbortController().signal,
    });

    expect(outcome).toBe('prepared');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.key).toBe(IMAGE_PREPARED_PARAMETER);
    expect(Number.isNaN(Date.parse(sets[0]!.value))).toBe(false);
    const left = sets[0]!.filesLeft;
    expect(left).toContain('var/lib/slipstream/home/site/index.html');
    expect(left.filter((f) => /state\.json|agent\.json|user-data|logs/.test(f))).toEqual([]);
    for (const file of left.filter((f) => !f.endsWith('/') && /\.(json|txt|log|html)$/.test(f))) {
      expect(await readFile(join(root, file), 'utf8')).not.toMatch(/snc_secret|sbt_secret/);
    }
  });
});
