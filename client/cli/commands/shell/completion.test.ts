import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../../../common/package-root.js';
import { runCli } from '../../program.js';
import { createTestDeps } from '../../test-io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-complete-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], configPath = '/nonexistent/slipstream/config.yaml') {
  const deps = createTestDeps({ configPath });
  const code = await runCli(argv, deps, () => {
    throw new Error('completion never connects');
  });
  return { code, out: deps.out(), err: deps.err() };
}

describe('slipstream completion', () => {
  it.each([
    ['bash', 'complete -o default -F _slipstream slipstream'],
    ['zsh', '#compdef slipstream'],
    ['fish', "complete -c slipstream -f -a '(__slipstream_complete)'"],
  ])('%s: prints the script on stdout, naming the version', async (shell, registration) => {
    const { code, out, err } = await cli(['completion', shell]);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain(registration);
    expect(out).toContain(`${shell} completion for slipstream ${packageVersion()}`);
    expect(out).toContain("'run launch'");
  });

  it('exits 2 for a shell it has no script for, naming the ones it has', async () => {
    const { code, out, err } = await cli(['completion', 'tcsh']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain("'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
  });

  it('exits 2 without a shell', async () => {
    const { code, err } = await cli(['completion']);
    expect(code).toBe(2);
    expect(err).toContain("missing required argument 'shell'");
  });
});

describe('slipstream __complete', () => {
  it('prints the saved context names, one a line', async () => {
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'contexts:\n  staging: { address: "127.0.0.1:7071" }\n  prod: { address: "127.0.0.1:7070" }\n');
    expect(await cli(['__complete', 'contexts'], config)).toEqual({ code: 0, out: 'prod\nstaging\n', err: '' });
  });

  it('prints nothing without a config file', async () => {
    expect(await cli(['__complete', 'contexts'])).toEqual({ code: 0, out: '', err: '' });
  });

  it('exits 1 with a message when the config cannot be read', async () => {
    const config = join(dir, 'broken.yaml');
    await writeFile(config, 'contexts: [');
    const { code, out, err } = await cli(['__complete', 'contexts'], config);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('not valid YAML');
  });

  it('is not shown in the help', async () => {
    expect((await cli(['--help'])).out).not.toContain('__complete');
  });
});
