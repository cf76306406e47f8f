import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_OUTPUT_LOG, agentOutputSize, lastAgentMessage, MAX_AGENT_MESSAGE_BYTES } from './agent-output.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function logOf(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ss-agent-output-'));
  dirs.push(dir);
  await writeFile(join(dir, AGENT_OUTPUT_LOG), text);
  return dir;
}

describe("a local VM's last agent message", () => {
  it('is the last slipstream-agent line, never JSON log lines or other output', async () => {
    const dir = await logOf(
      [
        '{"level":30,"msg":"enrolling","token":"sbt_x"}',
        'slipstream-agent: SIGTERM received; stopping',
        'slipstream-agent: cannot start: EACCES: permission denied, mkdir \'/tmp/x\'',
        '{"level":50,"msg":"agent failed"}',
        'npm WARN something',
        '',
      ].join('\n'),
    );
    expect(await lastAgentMessage(dir)).toBe("slipstream-agent: cannot start: EACCES: permission denied, mkdir '/tmp/x'");
  });

  it('counts only what was written from the given offset, and only the last 4 KiB', async () => {
    const earlier = 'slipstream-agent: from an earlier agent\n';
    const dir = await logOf(`${earlier}{"level":30}\n`);
    expect(await lastAgentMessage(dir, earlier.length)).toBeUndefined();
    expect(await lastAgentMessage(dir, await agentOutputSize(dir))).toBeUndefined();
    const buried = await logOf(`slipstream-agent: buried\n${'{"level":30}\n'.repeat(400)}`);
    expect(await lastAgentMessage(buried)).toBeUndefined();
  });

  it('is cut to 300 bytes, never inside a character', async () => {
    const dir = await logOf(`slipstream-agent: ${'é'.repeat(400)}\n`);
    const said = (await lastAgentMessage(dir))!;
    expect(Buffer.byteLength(said)).toBeLessThanOrEqual(MAX_AGENT_MESSAGE_BYTES);
    expect(said).toMatch(/^slipstream-agent: é+\.\.\.$/);
  });

  it('is undefined without a log', async () => {
    const dir = await logOf('');
    expect(await lastAgentMessage(join(dir, 'nothing'))).toBeUndefined();
    expect(await agentOutputSize(join(dir, 'nothing'))).toBe(0);
    expect(await lastAgentMessage(dir)).toBeUndefined();
  });
});
