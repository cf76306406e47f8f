import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../testing/cli.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aParameter, aRun, snapshotUpdate, stateChangedUpdate, watchInAttempts, watchYielding } from '../../testing/runs.js';
import { invalidArgument, notFound, permissionDenied, unavailable } from '../../testing/service-errors.js';
import { run } from './launch.js';

const LAUNCHED = aRun({ state: 'Provisioning' });
const launch = async () => LAUNCHED;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-launch-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('run launch', () => {
  it('launches and prints the run id on stdout, how to follow it on stderr', async () => {
    const deps = fakeDeps({ runs: { launch } });
    expect(await run(deps, { output: 'table', ref: 'app/web' })).toBe(0);
    expect(deps.argsOf('runs.launch')).toEqual([[expect.objectContaining({ module: 'app/web', sshPublicKeys: [] })]]);
    expect(deps.out()).toBe('r-1\n');
    expect(deps.err()).toBe('launched app/web@2 (Provisioning); follow it with: slipstream run watch r-1\n');
  });

  it('passes every flag of the command line to the service, SSH keys as their contents', async () => {
    const key = join(dir, 'id.pub');
    await writeFile(key, 'ssh-ed25519 AAAA me@host\n');
    const deps = fakeDeps({ runs: { launch } });
    const argv = ['run', 'launch', 'app/web@2', '--param', 'web:port=80', '--param', 'web:motd=', '--cloud', 'web=aws'];
    argv.push('--default-cloud', 'local', '--multiplicity', 'web=3', '--keep-running', 'always', '--scalable', '--timeout', '10');
    argv.push('--tag', 'a', '--tag', 'b', '--ssh-key', key, '--request-id', 'req-1');
    expect(await cli(deps, ...argv)).toBe(0);
    expect(deps.argsOf('runs.launch')).toEqual([
      [
        {
          module: 'app/web@2',
          parameters: { 'web:port': '80', 'web:motd': '' },
          nodeClouds: { web: 'aws' },
          defaultCloud: 'local',
          multiplicities: { web: 3 },
          keepRunning: 'always',
          scalable: true,
          timeoutMinutes: 10,
          tags: ['a', 'b'],
          sshPublicKeys: ['ssh-ed25519 AAAA me@host'],
          requestId: 'req-1',
        },
      ],
    ]);
  });

  it('prints the launched run as JSON', async () => {
    const deps = fakeDeps({ runs: { launch } });
    expect(await run(deps, { output: 'json', ref: 'app/web' })).toBe(0);
    expect(JSON.parse(deps.out())).toMatchObject({ id: 'r-1', state: 'Provisioning', module: { path: 'app/web', version: 2 } });
    expect(deps.err()).toBe('');
  });

  it('with --wait follows the run until Ready and prints its state and service URL', async () => {
    const deps = fakeDeps({
      runs: {
        launch,
        watch: watchYielding(snapshotUpdate(1, { state: 'Provisioning' }), stateChangedUpdate(2, 'Provisioning', 'Ready'), snapshotUpdate(2)),
        get: async () => aRun(),
        getParameter: async () => aParameter({ key: 'ss:url.service', value: 'http://10.0.0.1' }),
      },
    });
    expect(await run(deps, { output: 'table', ref: 'app/web', wait: true })).toBe(0);
    expect(deps.argsOf('runs.watch')).toEqual([['r-1', { afterSequence: undefined, includeLogs: false, signal: undefined }]]);
    expect(deps.out()).toMatch(/state: Ready\nss:url\.service: http:\/\/10\.0\.0\.1\n$/);
  });

  it('with --wait rides through a controller restart and gives the run\'s verdict', async () => {
    const deps = fakeDeps({
      runs: {
        launch,
        watch: watchInAttempts(
          { updates: [snapshotUpdate(0, { state: 'Provisioning' })], failure: unavailable('connection dropped') },
          { updates: [], failure: unavailable('connection refused') },
          { updates: [snapshotUpdate(0, { state: 'Executing' }), stateChangedUpdate(6, 'Executing', 'Ready'), snapshotUpdate(0, { state: 'Ready' })] },
        ),
        get: async () => aRun({ state: 'Ready' }),
        getParameter: async () => aParameter({ key: 'ss:url.service', value: 'http://10.0.0.1' }),
      },
    }, { reconnect: { giveUpMs: 60_000, backoff: { baseMs: 1, capMs: 5 } } });
    expect(await run(deps, { output: 'table', ref: 'app/web', wait: true })).toBe(0);
    expect(deps.argsOf('runs.launch')[0]?.[0]).toMatchObject({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown });
    expect(deps.out()).toContain('state: Ready\n');
    expect(deps.err()).toBe('reconnected: the watch of run r-1 resumed after update 0 (the stream failed (UNAVAILABLE))\n');
  });

  it('with --wait prints the Ready run\'s warnings, exits 0, and keeps them in the JSON', async () => {
    const warnings = ['no report from web.1 (web.1.tar.gz): the report tarball could not be made: EACCES'];
    const deps = (): ReturnType<typeof fakeDeps> =>
      fakeDeps({ runs: { launch, watch: watchYielding(snapshotUpdate(1)), get: async () => aRun({ warnings }), getParameter: async () => aParameter({ key: 'ss:url.service', value: 'http://10.0.0.1' }) } });
    const table = deps();
    expect(await run(table, { output: 'table', ref: 'app/web', wait: true })).toBe(0);
    expect(table.out()).toMatch(/state: Ready\nwarning: no report from web\.1 \(web\.1\.tar\.gz\): the report tarball could not be made: EACCES\nss:url\.service: http:\/\/10\.0\.0\.1\n$/);
    const json = deps();
    expect(await run(json, { output: 'json', ref: 'app/web', wait: true })).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ state: 'Ready', warnings });
  });

  it('with --wait exits 3 when the run ends Aborted', async () => {
    const deps = fakeDeps({
      runs: {
        launch,
        watch: watchYielding(snapshotUpdate(1, { state: 'Aborted', abortMessage: 'no capacity' })),
        get: async () => aRun({ state: 'Aborted', abortMessage: 'no capacity' }),
      },
    });
    expect(await run(deps, { output: 'json', ref: 'app/web', wait: true })).toBe(3);
    expect(JSON.parse(deps.out())).toMatchObject({ state: 'Aborted', abortMessage: 'no capacity' });
  });

  it('exits 2 for an unreadable or empty SSH key file, launching nothing', async () => {
    const empty = join(dir, 'empty.pub');
    await writeFile(empty, '\n');
    const deps = fakeDeps({});
    expect(await run(deps, { output: 'table', ref: 'app/web', sshKeyFiles: [join(dir, 'absent.pub')] })).toBe(2);
    expect(await run(deps, { output: 'table', ref: 'app/web', sshKeyFiles: [empty] })).toBe(2);
    expect(deps.err()).toBe(`error: --ssh-key ${join(dir, 'absent.pub')}: cannot read it (ENOENT)\nerror: --ssh-key ${empty}: the file is empty\n`);
    expect(deps.calls).toEqual([]);
  });

  it('exits 2 for bad flag values, launching nothing', async () => {
    const deps = fakeDeps({});
    expect(await cli(deps, 'run', 'launch', 'app/web', '--multiplicity', 'web=x')).toBe(2);
    expect(await cli(deps, 'run', 'launch', 'app/web', '--param', 'port=80')).toBe(2);
    expect(await cli(deps, 'run', 'launch', 'app/web', '--timeout', '0')).toBe(2);
    expect(await cli(deps, 'run', 'launch', 'app/web', '--keep-running', 'sometimes')).toBe(2);
    expect(deps.err()).toContain('expected NODE=N with N a whole number >= 0');
    expect(deps.err()).toContain('expected NODE:KEY=VALUE');
    expect(deps.err()).toContain('expected a whole number >= 1');
    expect(deps.err()).toContain("argument 'sometimes' is invalid");
    expect(deps.calls).toEqual([]);
  });

  it('exits 1 with the violations the server found', async () => {
    const deps = fakeDeps({
      runs: { launch: async () => Promise.reject(invalidArgument([{ field: 'parameters[web:port]', description: 'must be a whole number' }])) },
    });
    expect(await run(deps, { output: 'table', ref: 'app/web', parameters: { 'web:port': 'x' } })).toBe(1);
    expect(deps.err()).toBe('error: invalid argument (1 violation):\n  parameters[web:port]: must be a whole number\n');
    expect(deps.out()).toBe('');
  });

  it('exits 1 for an unknown module and 4 for a viewer', async () => {
    const missing = fakeDeps({ runs: { launch: async () => Promise.reject(notFound('module', 'app/none')) } });
    expect(await run(missing, { output: 'table', ref: 'app/none' })).toBe(1);
    expect(missing.err()).toBe('error: module app/none not found\n');
    const viewer = fakeDeps({ runs: { launch: async () => Promise.reject(permissionDenied('launching needs the deployer role')) } });
    expect(await run(viewer, { output: 'table', ref: 'app/web' })).toBe(4);
    expect(viewer.err()).toBe('error: permission denied: launching needs the deployer role\n');
  });
});
