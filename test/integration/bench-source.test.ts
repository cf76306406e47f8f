import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { benchSource } from '../../bench/lib/source.js';

describe('benchSource', () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' }).trim();

  it('names the commit and the files changed from it or new, leaving out bench results', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-source-'));
    git('init', '-q');
    await mkdir(join(dir, 'bench', 'results'), { recursive: true });
    await writeFile(join(dir, 'code.ts'), 'one\n');
    await writeFile(join(dir, 'bench', 'results', 'latest.json'), '{}\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const head = git('rev-parse', 'HEAD');
    expect(benchSource(dir)).toEqual({ commit: head, changedFiles: [] });

    await writeFile(join(dir, 'code.ts'), 'two\n');
    await writeFile(join(dir, 'bench', 'results', 'latest.json'), '{"new":1}\n');
    await writeFile(join(dir, 'bench', 'results', 'large.json'), '{}\n');
    await writeFile(join(dir, 'added.ts'), 'new\n');
    expect(benchSource(dir)).toEqual({ commit: head, changedFiles: ['added.ts', 'code.ts'] });
  });

  it('has no commit outside a git checkout', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-source-'));
    expect(benchSource(dir)).toEqual({ commit: null, changedFiles: [] });
  });
});
