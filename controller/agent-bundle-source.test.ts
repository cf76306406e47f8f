import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyPrebuiltBundle } from './agent-bundle-source.js';

describe('copyPrebuiltBundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipstream-bundle-copy-'));
  const prebuilt = join(dir, 'agent.mjs');
  const content = 'console.log("agent");\n';
  writeFileSync(prebuilt, content);
  const sha256 = createHash('sha256').update(content).digest('hex');

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the bundle at the path, owner-only in an owner-only folder, with its size and sha256', async () => {
    const path = join(dir, 'data', 'bundle', 'agent.mjs');
    expect(await copyPrebuiltBundle(prebuilt, path)).toEqual({ path, bytes: content.length, sha256 });
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data', 'bundle')).mode & 0o777).toBe(0o700);
  });

  it('copies a bundle onto itself, leaving no temporary file', async () => {
    const path = join(dir, 'again', 'agent.mjs');
    await copyPrebuiltBundle(prebuilt, path);
    expect(await copyPrebuiltBundle(path, path)).toEqual({ path, bytes: content.length, sha256 });
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(readdirSync(join(dir, 'again'))).toEqual(['agent.mjs']);
  });

  it('names the missing bundle', async () => {
    const missing = join(dir, 'nowhere.mjs');
    await expect(copyPrebuiltBundle(missing, join(dir, 'out', 'agent.mjs'))).rejects.toThrow(`the agent bundle ${missing} is missing`);
  });
});
