import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../common/package-root.js';
import { runCli } from './program.js';
import { createTestDeps } from './test-io.js';

async function cli(...argv: string[]) {
  const deps = createTestDeps();
  const code = await runCli(argv, deps, () => {
    throw new Error('usage errors must be caught before connecting');
  });
  return { code, out: deps.out(), err: deps.err() };
}

describe('usage errors exit 2 with a message naming the culprit', () => {
  it.each([
    [['user', 'create', 'bob', '--role', 'god'], "option '--role <role>' argument 'god' is invalid"],
    [['user', 'create', 'bob'], "required option '--role <role>' not specified"],
    [['user', 'set-role', 'bob', 'root'], "value 'root' is invalid for argument 'role'"],
    [['token', 'create', 'ci', '--ttl', '5x'], "option '--ttl <duration>' argument '5x' is invalid"],
    [['token', 'create', 'ci', '--ttl', '0d'], 'expected a positive duration'],
    [['token', 'list', '--user', 'bob', '--all'], "option '--user <user>' cannot be used with option '--all'"],
    [['--output', 'xml', 'user', 'list'], "option '--output <format>' argument 'xml' is invalid"],
    [['module', 'list', '--kind', 'folder'], "option '--kind <kind>' argument 'folder' is invalid"],
    [['module', 'push'], "missing required argument 'file-or-dir'"],
    [['module', 'get', 'a', 'b'], 'too many arguments'],
    [['user', 'list', '--bogus'], "unknown option '--bogus'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['run', 'list', '--state', 'Sleeping'], "option '--state <state>' argument 'Sleeping' is invalid"],
    [['run', 'launch', 'app', '--multiplicity', 'web=two'], "option '--multiplicity <node=N>' argument 'web=two' is invalid"],
    [['run', 'logs', 'r1', '--instance', 'web'], "option '--instance <node.N>' argument 'web' is invalid"],
    [['run', 'scale', 'r1', 'grow', 'web'], "value 'grow' is invalid for argument 'action'"],
    [['run', 'scale', 'r1', 'add', 'web', 'db'], 'scale add takes one NODE'],
    [['run', 'scale', 'r1', 'remove', 'web'], "scale remove: 'web' is not an instance"],
    [['run', 'scale', 'r1', 'remove', 'web.1', '-n', '2'], '-n is for scale add'],
    [['run', 'abort', 'r1'], 'give a MESSAGE'],
    [['run', 'abort', 'r1', 'why', '--cancel'], 'not both'],
  ])('%j', async (argv, message) => {
    const { code, err, out } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(out).toBe('');
  });

  it('exits 2 for a command group without its verb, showing its help', async () => {
    const { code, err } = await cli('module');
    expect(code).toBe(2);
    expect(err).toContain('Usage: slipstream module');
  });

  it('exits 2 when no controller address is configured', async () => {
    const deps = createTestDeps();
    expect(await runCli(['whoami'], deps)).toBe(2);
    expect(deps.err()).toContain('no controller address');
  });

  it('exits 0 for --help, on stdout', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(out).toContain('Usage: slipstream');
    for (const noun of ['context', 'module', 'run', 'cloud', 'credential', 'quota', 'tenant', 'user', 'token', 'whoami']) expect(out).toContain(noun);
  });
});

describe('--version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version on stdout, offline, and exits 0', async (flag) => {
    const { code, out, err } = await cli(flag);
    expect(code).toBe(0);
    expect(out).toBe(`${packageVersion()}\n`);
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
    expect(err).toBe('');
  });

  it('leaves -v free', async () => {
    const { code, err } = await cli('-v');
    expect(code).toBe(2);
    expect(err).toContain("unknown option '-v'");
  });
});
