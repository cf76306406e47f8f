/**
 * `slipstream template ...` and `run launch --template` against a real
 * controller (SQLite and PostgreSQL) whose `local` driver runs every VM as a
 * real agent process: a template saved from flags and from a YAML file,
 * `unchanged`, get/list/history/delete, a launch by template that reaches
 * Ready with the template's parameters in `run params` and the override's on
 * top, and the usage errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal } from '../../common/runs/states.js';
import { startTestController, type TestController } from '../../test/helpers/controller.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { createSlipstreamClient, type SlipstreamClient } from '../index.js';
import { runCli } from './program.js';
import { createTestDeps } from './test-io.js';

const GREETER = `path: tpl/greeter
kind: component
images:
  local: debian-12
recipes:
  deployment: |
    ss-display "$(ss-get greeting) from $SLIPSTREAM_NODE_INSTANCE"
parameters:
  - name: greeting
    category: input
    type: string
    default: hello
  - name: count
    category: input
    type: int
    default: "1"
`;

const TEMPLATE_FILE = `# kept in git beside the modules
name: greet-ci
module: tpl/greeter
description: what CI launches
parameters:
  machine:greeting: bonjour
  machine:count: 3
tags: [ci, nightly]
keepRunning: on-success
timeoutMinutes: 20
`;

describe.each(TEST_DATABASES)('slipstream template on %s', (database) => {
  let controller: TestController;
  let client: SlipstreamClient;
  let dir: string;
  const launched: string[] = [];

  const cli = async (argv: string[]) => {
    const deps = createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: controller.adminToken }, configPath: join(dir, 'config.yaml') });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  beforeAll(async () => {
    controller = await startTestController({ database });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-template-cli-'));
    await writeFile(join(dir, 'greeter.yaml'), GREETER);
    await writeFile(join(dir, 'greet-ci.tpl.yml'), TEMPLATE_FILE);
    expect((await cli(['module', 'push', join(dir, 'greeter.yaml')])).code).toBe(0);
  });

  afterAll(async () => {
    for (const id of launched) {
      const run = await client.runs.get(id).catch(() => undefined);
      if (run?.state && !isFinal(run.state)) await client.runs.terminate(id).catch(() => undefined);
    }
    client?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('save from flags: created, then unchanged; get prints the YAML file; history and list show it', async () => {
    const flags = ['template', 'save', 'greet-dev', 'tpl/greeter', '--param', 'machine:greeting=hi', '--tag', 'dev', '--keep-running', 'never', '-m', 'first'];
    const first = await cli(flags);
    expect(first).toMatchObject({ code: 0, out: 'created greet-dev@1\n' });
    expect(first.err).toContain('slipstream run launch --template greet-dev@1');
    expect(await cli(flags)).toMatchObject({ code: 0, out: 'unchanged greet-dev@1\n' });

    const get = await cli(['template', 'get', 'greet-dev']);
    expect(get.code).toBe(0);
    expect(get.out).toBe('name: greet-dev\nmodule: tpl/greeter\nparameters:\n  machine:greeting: hi\ntags:\n  - dev\nkeepRunning: never\n');

    // get's output is a template file: saving it back changes nothing.
    await writeFile(join(dir, 'round-trip.yaml'), get.out);
    expect((await cli(['template', 'save', 'greet-dev', '-f', join(dir, 'round-trip.yaml')])).out).toBe('unchanged greet-dev@1\n');

    const history = await cli(['template', 'history', 'greet-dev']);
    expect(history.out).toMatch(/^VERSION\tCREATED\tAUTHOR\tHASH\tMESSAGE\n1\t\S+\tadmin\t[0-9a-f]{12}\tfirst\n$/);
    const list = await cli(['--output', 'json', 'template', 'list']);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ name: 'greet-dev', module: 'tpl/greeter', latest: expect.objectContaining({ version: 1 }) })]);
  });

  it('save -f FILE with flags on top; run launch --template reaches Ready with its parameters, the override on top', async () => {
    const saved = await cli(['template', 'save', 'greet-ci', '-f', join(dir, 'greet-ci.tpl.yml'), '--param', 'machine:count=4', '-m', 'from git']);
    expect(saved).toMatchObject({ code: 0, out: 'created greet-ci@1\n' });
    const json = JSON.parse((await cli(['--output', 'json', 'template', 'get', 'greet-ci@1'])).out) as { spec: Record<string, unknown>; info: { message: string } };
    expect(json.spec).toMatchObject({ module: 'tpl/greeter', parameters: { 'machine:greeting': 'bonjour', 'machine:count': '4' }, tags: ['ci', 'nightly'], timeoutMinutes: 20 });
    expect(json.info.message).toBe('from git');

    const result = await cli(['run', 'launch', '--template', 'greet-ci', '--param', 'machine:greeting=salut', '--tag', 'manual', '--wait']);
    expect(result.code, result.err).toBe(0);
    const id = /^run (\S+) /m.exec(result.out)?.[1];
    expect(id).toBeDefined();
    launched.push(id!);
    expect(result.out).toMatch(/\nstate: Ready\n$/);
    expect(result.out).toContain('salut from machine.1');

    const params = await cli(['--output', 'json', 'run', 'params', id!, 'machine.1:']);
    const values = Object.fromEntries((JSON.parse(params.out) as { key: string; value: string }[]).map((p) => [p.key, p.value]));
    expect(values).toMatchObject({ 'machine.1:greeting': 'salut', 'machine.1:count': '4' });

    const get = await cli(['run', 'get', id!]);
    expect(get.out).toMatch(/^template\tgreet-ci@1$/m);
    expect(get.out).toMatch(/^tags\tci,manual,nightly$/m);
    expect(get.out).toMatch(/^timeout\t20 min$/m);
    expect((await client.runs.terminate(id!)).id).toBe(id);
  });

  it('bad input: usage errors exit 2, the controller’s violations exit 1 naming the field', async () => {
    expect(await cli(['run', 'launch'])).toMatchObject({ code: 2, err: expect.stringContaining('--template NAME[@N]') });
    expect(await cli(['template', 'save', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('-f FILE') });
    await writeFile(join(dir, 'bad.yaml'), 'name: other\nmodule: tpl/greeter\nscalable: maybe\nmultiplicities: { machine: -1 }\nextra: 1\n');
    const bad = await cli(['template', 'save', 'other', '-f', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('  scalable: must be true or false\n');
    expect(bad.err).toContain('  multiplicities.machine: must be a whole number >= 0\n');
    expect(bad.err).toContain('  extra: is not a template field');
    await writeFile(join(dir, 'named.yaml'), 'name: other\nmodule: tpl/greeter\n');
    expect(await cli(['template', 'save', 'mine', '-f', join(dir, 'named.yaml')])).toMatchObject({ code: 2, err: expect.stringContaining("names the template 'other'") });
    expect(await cli(['template', 'save', 'x', '-f', join(dir, 'missing.yaml')])).toMatchObject({ code: 2, err: expect.stringContaining('ENOENT') });
    expect(await cli(['template', 'save', 'x', 'tpl/greeter', '--param', 'machine:nope=1'])).toMatchObject({
      code: 1,
      err: expect.stringContaining("  parameters.machine:nope: node 'machine' has no parameter 'nope'\n"),
    });
    expect(await cli(['template', 'save', 'x', 'tpl/ghost'])).toMatchObject({ code: 1, err: expect.stringContaining('  module: ') });
    expect(await cli(['template', 'get', 'ghost'])).toMatchObject({ code: 1, err: expect.stringContaining("template 'ghost' not found") });
    expect(await cli(['run', 'launch', '--template', 'greet-dev', '--param', 'machine:count=x'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('  parameters.machine:count: '),
    });
  });

  it('delete hides the template: list leaves it out, a launch is NOT_FOUND, its versions stay readable', async () => {
    await cli(['template', 'save', 'short-lived', 'tpl/greeter']);
    const deleted = await cli(['template', 'delete', 'short-lived']);
    expect(deleted).toMatchObject({ code: 0, err: expect.stringContaining('deleted template short-lived') });
    expect((await cli(['template', 'list'])).out).not.toContain('short-lived');
    expect(await cli(['run', 'launch', '--template', 'short-lived'])).toMatchObject({ code: 1, err: expect.stringContaining("template 'short-lived' not found") });
    expect((await cli(['template', 'get', 'short-lived@1'])).code).toBe(0);
  });
});
