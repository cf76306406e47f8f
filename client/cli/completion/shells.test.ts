/**
 * The generated scripts in the real shells: bash always (it is everywhere the CLI runs), zsh and fish when
 * installed (zsh driven on a pseudo-terminal, fish through `complete -C`). `__complete contexts` runs the real CLI, through a `slipstream` on PATH, against a temporary config.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../common/package-root.js';
import { runCli } from '../program.js';
import { createTestDeps } from '../test-io.js';
import type { Shell } from './scripts.js';

const exec = promisify(execFile);
const installed = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

let dir: string;
let env: NodeJS.ProcessEnv;
const scripts = {} as Record<Shell, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-completion-'));
  await mkdir(join(dir, 'bin'));
  const cli = join(dir, 'bin', 'slipstream');
  await writeFile(cli, `#!/bin/sh\nexec '${process.execPath}' --import tsx '${join(packageRoot(), 'client/cli/bin.ts')}' "$@"\n`);
  await chmod(cli, 0o755);
  await writeFile(join(dir, 'config.yaml'), 'contexts:\n  prod: { address: "127.0.0.1:7070" }\n  staging: { address: "127.0.0.1:7071" }\n');
  env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, SLIPSTREAM_CONFIG: join(dir, 'config.yaml') };
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const deps = createTestDeps();
    expect(await runCli(['completion', shell], deps)).toBe(0);
    scripts[shell] = join(dir, `completion.${shell}`);
    await writeFile(scripts[shell], deps.out());
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(file: string, args: string[]): Promise<string[]> {
  const { stdout } = await exec(file, args, { env, cwd: packageRoot() });
  return stdout.split('\n').filter((line) => line !== '');
}

describe('bash', () => {
  /** What TAB offers after `words`, split as bash splits them (at '=' and ':' too); the last is the word being completed. */
  const complete = (...words: string[]) =>
    lines('bash', [
      '--norc',
      '--noprofile',
      '-c',
      'source "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) && _slipstream && printf "%s\\n" "${COMPREPLY[@]}"',
      'bash',
      scripts.bash,
      ...words,
    ]);

  it('registers _slipstream for slipstream, falling back to file names', async () => {
    expect(await lines('bash', ['--norc', '-c', 'source "$1" && complete -p slipstream', 'bash', scripts.bash])).toEqual([
      'complete -o default -F _slipstream slipstream',
    ]);
  });

  it.each([
    [['slipstream', 'ru'], ['run']],
    [['slipstream', 'run', 'la'], ['launch']],
    [['slipstream', 'c'], ['context', 'cloud', 'credential', 'controller', 'completion']],
    [['slipstream', 'run', 'launch', 'app', '--keep-running', 'o'], ['on-success', 'on-error']],
    [['slipstream', 'run', 'launch', 'app', '--w'], ['--wait']],
    [['slipstream', 'run', 'launch', '--param', 'web', ':', 'port', '=', '80', 'app', '--sc'], ['--scalable']],
    [['slipstream', '--addr', '127.0.0.1', ':', '7070', 'run', 'l'], ['launch', 'list', 'logs']],
    [['slipstream', 'run', 'list', '--output', '=', 'j'], ['json']],
    [['slipstream', 'run', 'list', '--state', 'Re'], ['Ready']],
    [['slipstream', 'user', 'set-role', 'bob', ''], ['viewer', 'deployer', 'editor', 'admin']],
    [['slipstream', 'run', 'scale', 'r1', ''], ['add', 'remove']],
    [['slipstream', 'completion', ''], ['bash', 'zsh', 'fish']],
    [['slipstream', 'module', 'push', ''], []],
  ])('%j -> %j', async (words, expected) => {
    expect(await complete(...words)).toEqual(expected);
  });

  it('completes context names from the config, asking the CLI', async () => {
    expect(await complete('slipstream', 'context', 'use', '')).toEqual(['prod', 'staging']);
    expect(await complete('slipstream', 'context', 'use', 'st')).toEqual(['staging']);
  });
});

describe.skipIf(!installed('zsh'))('zsh', () => {
  it('parses', async () => {
    await exec('zsh', ['-n', scripts.zsh]);
  });

  /** The candidates zsh's completion system is given when TAB is pressed after `line` (the script installed on $fpath). */
  const complete = async (line: string) => {
    await mkdir(join(dir, 'zsh-functions'), { recursive: true });
    await copyFile(scripts.zsh, join(dir, 'zsh-functions', '_slipstream'));
    const candidates = await lines('zsh', ['-f', fileURLToPath(new URL('testing/zsh-candidates.zsh', import.meta.url)), join(dir, 'zsh-functions'), line]);
    return [...new Set(candidates)];
  };

  it.each([
    ['slipstream ru', ['run']],
    ['slipstream run la', ['launch']],
    ['slipstream run launch app --keep-running ', ['never', 'always', 'on-success', 'on-error']],
    ['slipstream run launch --param web:port=80 app --w', ['--wait']],
    ['slipstream run list --output=', ['table', 'json']],
    ['slipstream user set-role bob ', ['viewer', 'deployer', 'editor', 'admin']],
    ['slipstream context use ', ['prod', 'staging']],
  ])('%j -> %j', async (line, expected) => {
    expect(await complete(line)).toEqual(expected);
  });

  it('offers files where a command takes a path', async () => {
    expect(await complete(`slipstream module push ${packageRoot()}/packa`)).toContain('package.json');
  });
});

describe.skipIf(!installed('fish'))('fish', () => {
  /** The candidates (without descriptions) fish itself computes for `line` (`complete -C`). */
  const complete = async (line: string) =>
    (await lines('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish, line])).map((l) => l.split('\t')[0]);

  it.each([
    ['slipstream ru', ['run']],
    ['slipstream run la', ['launch']],
    ['slipstream run launch app --keep-running on-', ['on-error', 'on-success']],
    ['slipstream run launch --param web:port=80 app --w', ['--wait']],
    ['slipstream run list --output=', ['--output=json', '--output=table']],
    ['slipstream user set-role bob ', ['admin', 'deployer', 'editor', 'viewer']],
    ['slipstream context use ', ['prod', 'staging']],
  ])('%j -> %j', async (line, expected) => {
    expect(await complete(line)).toEqual(expected);
  });

  it('offers files where a command takes a path', async () => {
    expect(await complete(`slipstream module push ${packageRoot()}/packa`)).toContain(`${packageRoot()}/package.json`);
  });
});
