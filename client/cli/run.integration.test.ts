/**
 * `slipstream run ...` against a real controller (SQLite and PostgreSQL) whose
 * `local` driver runs every VM as a real agent process: launch and follow,
 * verdicts as exit codes, parameters, events, logs, reports, scale, abort,
 * terminate, Ctrl-C, and the usage errors.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal } from '../../common/runs/states.js';
import { startTestController, type TestController } from '../../test/helpers/controller.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/poll.js';
import { createSlipstreamClient, type SlipstreamClient } from '../index.js';
import type { CliDeps } from './deps.js';
import { runCli } from './program.js';
import { createTestDeps } from './test-io.js';

const SECRET = 'hunter2-very-secret';

const HELLO = `path: t/hello
kind: component
images:
  local: debian-12
recipes:
  deployment: |
    echo deploying $SLIPSTREAM_NODE_INSTANCE
    ss-display hello
  reporting: |
    echo "report of $SLIPSTREAM_NODE_INSTANCE" > "$SLIPSTREAM_REPORT_DIR/hello.txt"
parameters:
  - name: password
    category: input
    type: password
    default: ${SECRET}
`;

const FAIL = `path: t/fail
kind: component
images:
  local: debian-12
recipes:
  deployment: |
    echo about to fail
    exit 3
`;

// Scaled-in instances get no runtime parameters yet (controller), so ss-display would fail there.
const PLAIN = `path: t/plain
kind: component
images:
  local: debian-12
recipes:
  deployment: echo deployed
`;

const SLOW = `path: t/slow
kind: component
images:
  local: debian-12
recipes:
  deployment: |
    ss-display waiting
    sleep 600
`;

const RUN_ID = /^[0-9a-f-]{36}$/;

describe.each(TEST_DATABASES)('slipstream run on %s', (database) => {
  let controller: TestController;
  let client: SlipstreamClient;
  let dir: string;
  const launched: string[] = [];

  /** Deps of a CLI run as the operator admin; `extra` adds to them (a Ctrl-C trap). */
  const cliDeps = (extra: Partial<CliDeps> = {}) =>
    createTestDeps({ env: { SLIPSTREAM_ADDR: controller.address, SLIPSTREAM_TOKEN: controller.adminToken }, configPath: join(dir, 'config.yaml'), ...extra });

  const cli = async (argv: string[]) => {
    const deps = cliDeps();
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  /** `run launch ...` without --wait: the id alone on stdout, a hint on stderr. */
  const launch = async (...args: string[]): Promise<string> => {
    const result = await cli(['run', 'launch', ...args]);
    expect(result.code).toBe(0);
    const id = result.out.trim();
    expect(result.out).toBe(`${id}\n`);
    expect(id).toMatch(RUN_ID);
    expect(result.err).toContain(`follow it with: slipstream run watch ${id}`);
    launched.push(id);
    return id;
  };

  /** The id in the header line of a live view. */
  const idIn = (out: string): string => {
    const id = /^run (\S+) /m.exec(out)?.[1];
    expect(id).toMatch(RUN_ID);
    launched.push(id!);
    return id!;
  };

  const stateOf = async (id: string) => (await client.runs.get(id)).state;

  beforeAll(async () => {
    controller = await startTestController({ database });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    dir = await mkdtemp(join(tmpdir(), 'slipstream-run-cli-'));
    await writeFile(join(dir, 'hello.yaml'), HELLO);
    await writeFile(join(dir, 'fail.yaml'), FAIL);
    await writeFile(join(dir, 'slow.yaml'), SLOW);
    await writeFile(join(dir, 'plain.yaml'), PLAIN);
    const push = await cli(['module', 'push', dir]);
    expect(push.code).toBe(0);
  });

  afterAll(async () => {
    // Every run this file launched ends terminated; stop() kills any agent left as the safety net.
    for (const id of launched) {
      const run = await client.runs.get(id).catch(() => undefined);
      if (run?.state && !isFinal(run.state)) await client.runs.terminate(id).catch(() => undefined);
    }
    client?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('launch --wait follows the run to Ready, shows the instance line with its statecustom, and exits 0', async () => {
    const result = await cli(['run', 'launch', 't/hello', '--wait', '--tag', 'ci']);
    expect(result.code).toBe(0);
    const id = idIn(result.out);
    expect(result.out).toMatch(/^ {2}machine\.1 {2}\S+\/running {2}hello$/m);
    expect(result.out).toContain(`run ${id}  t/hello@1  Ready\n`);
    expect(result.out).toMatch(/\nstate: Ready\n$/);
    expect(await stateOf(id)).toBe('Ready');

    const list = await cli(['run', 'list', '--state', 'Ready', '--tag', 'ci']);
    expect(list.out.split('\n')[0]).toBe('ID\tMODULE\tSTATE\tCREATED\tOWNER\tTAGS\tABORT');
    expect(list.out).toContain(`${id}\tt/hello@1\tReady\t`);

    const get = await cli(['run', 'get', id]);
    expect(get.out).toContain(`id\t${id}\n`);
    expect(get.out).toMatch(/^machine\.1\tlocal\trunning\tSendingReports\t.*\thello$/m);

    // run params: the instance's parameters, the password masked
    const params = await cli(['run', 'params', id, 'machine.1:']);
    expect(params.code).toBe(0);
    expect(params.out).toContain('machine.1:statecustom\thello\t');
    expect(params.out).toMatch(/^machine\.1:password\t\*{8}\t/m);
    expect(params.out).not.toContain(SECRET);
    expect((await cli(['--output', 'json', 'run', 'params', id])).out).not.toContain(SECRET);

    // run events: the state changes, in order
    const events = await cli(['run', 'events', id]);
    const states = events.out
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((cells) => cells[3] === 'state')
      .map((cells) => cells[4]);
    expect(states).toEqual(['Initializing -> Provisioning', 'Provisioning -> Executing', 'Executing -> SendingReports', 'SendingReports -> Ready']);

    // run logs: what the deployment printed
    const logs = await cli(['run', 'logs', id, '--instance', 'machine.1']);
    expect(logs.out).toMatch(/ machine\.1 deployment: deploying machine\.1$/m);

    // run reports: one verified, non-empty tarball per instance
    const reportsDir = join(dir, 'reports');
    const reports = await cli(['run', 'reports', id, '--dir', reportsDir]);
    expect(reports).toMatchObject({ code: 0, out: `${join(reportsDir, 'machine.1.tar.gz')}\n` });
    const tarball = await readFile(join(reportsDir, 'machine.1.tar.gz'));
    expect(tarball.length).toBeGreaterThan(0);
    expect([...tarball.subarray(0, 2)]).toEqual([0x1f, 0x8b]);

    // run terminate --wait: Ready -> Finalizing -> Done, exit 0
    const terminate = await cli(['run', 'terminate', id, '--wait']);
    expect(terminate.code).toBe(0);
    expect(terminate.out).toContain(`run ${id}  t/hello@1  Done\n`);
    expect(terminate.out).toMatch(/\nstate: Done\n$/);
    expect(terminate.out).not.toContain('Provisioning');

    // run watch on a final run: its history as lines, then the verdict
    const watch = await cli(['run', 'watch', id, '--logs']);
    expect(watch.code).toBe(0);
    expect(watch.out).toContain(`run ${id}  t/hello@1  Executing\n`);
    expect(watch.out).toMatch(/^log \S+ machine\.1 deployment: deploying machine\.1$/m);
    expect(watch.out).toMatch(/^event agent:machine\.1 report: /m);
    const updates = (await cli(['--output', 'json', 'run', 'watch', id])).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(updates[0]).toMatchObject({ snapshot: { id, state: 'Done' } });
    expect(updates).toContainEqual(expect.objectContaining({ stateChanged: { from: 'Executing', to: 'SendingReports', abortMessage: '' } }));

    // run logs --follow on a final run: the lines so far, then the stream ends by itself
    const follow = await cli(['run', 'logs', id, '--follow']);
    expect(follow.code).toBe(0);
    expect(follow.out).toMatch(/ machine\.1 deployment: deploying machine\.1\n/);
  });

  it('launch --wait exits 3 with the abort message naming instance, phase and exit code', async () => {
    const result = await cli(['run', 'launch', 't/fail', '--wait', '--keep-running', 'on-success']);
    expect(result.code).toBe(3);
    const id = idIn(result.out);
    const abort = /^abort: (.*)$/m.exec(result.out)?.[1];
    expect(abort).toMatch(/machine\.1/);
    expect(abort).toMatch(/deployment/);
    expect(abort).toMatch(/exit code 3/);
    expect(result.out).toMatch(/\nstate: Aborted\nabort: /);
    expect(await stateOf(id)).toBe('Aborted');

    const logs = await cli(['run', 'logs', id]);
    expect(logs.out).toMatch(/ machine\.1 deployment: about to fail$/m);
  });

  it('launch --wait --output json prints the final Run as JSON, progress on stderr', async () => {
    const result = await cli(['--output', 'json', 'run', 'launch', 't/hello', '--wait', '--keep-running', 'never']);
    expect(result.code).toBe(0);
    const run = JSON.parse(result.out) as { id: string; state: string; keepRunning: string; nodes: { instances: { vmState: string }[] }[] };
    launched.push(run.id);
    expect(run).toMatchObject({ state: 'Done', keepRunning: 'never' });
    expect(run.nodes[0]!.instances[0]!.vmState).toBe('terminated');
    expect(result.err).toContain(`run ${run.id}  t/hello@1  Done`);
  });

  it('scales a scalable run and back to Ready; aborts it and cancels the abort', async () => {
    const id = await launch('t/plain', '--scalable');
    await waitFor('the scalable run Ready', async () => ((await stateOf(id)) === 'Ready' ? true : undefined), 30_000);

    const add = await cli(['run', 'scale', id, 'add', 'machine', '-n', '1', '--wait']);
    expect(add.code).toBe(0);
    expect(add.out.split('\n')[0]).toBe('machine.2');
    expect(add.out).toMatch(/^ {2}machine\.2 {2}-\/pending \(adding\)$/m);
    expect(add.out).toMatch(/^ {2}machine\.2 {2}SendingReports\/running$/m);
    expect(add.out).toMatch(/\nstate: Ready\n$/);

    const abort = await cli(['run', 'abort', id, 'stop the line']);
    expect(abort.code).toBe(0);
    expect((await client.runs.get(id)).abortMessage).toBe('stop the line');
    expect((await cli(['run', 'abort', id, '--cancel'])).code).toBe(0);
    expect((await client.runs.get(id)).abortMessage).toBeUndefined();
    expect((await cli(['run', 'abort', id])).code).toBe(2);

    const remove = await cli(['run', 'scale', id, 'remove', 'machine.1', '--wait']);
    expect(remove.code).toBe(0);
    expect(remove.out).toMatch(/^ {2}machine\.1 {2}\S+ \(removed\)$/m);

    expect((await cli(['run', 'terminate', id, '--wait'])).code).toBe(0);
  });

  it('Ctrl-C during --wait stops watching with 130 and leaves the run going', async () => {
    const interrupt = new AbortController();
    let released = false;
    const trapInterrupt = () => ({ signal: interrupt.signal, release: () => void (released = true) });
    const deps = cliDeps({ trapInterrupt });
    const pending = runCli(['run', 'launch', 't/slow', '--wait'], deps);
    await waitFor('the slow run showing its status', async () => (/ {2}waiting$/m.test(deps.out()) ? true : undefined), 30_000);
    interrupt.abort();
    expect(await pending).toBe(130);
    expect(released).toBe(true);
    const id = idIn(deps.out());
    expect(deps.err()).toContain(`stopped watching; run ${id} goes on`);
    expect(await stateOf(id)).toBe('Executing');

    // Terminating a transitional run cancels it: exit 3.
    const terminate = await cli(['run', 'terminate', id, '--wait']);
    expect(terminate.code).toBe(3);
    expect(terminate.out).toMatch(/\nstate: Cancelled\n$/);
  });

  it.each([
    [['--keep-running', 'sometimes'], "option '--keep-running <when>' argument 'sometimes' is invalid"],
    [['--param', 'nonsense'], "option '--param <node:key=value>' argument 'nonsense' is invalid"],
    [['--multiplicity', 'web=-1'], "option '--multiplicity <node=N>' argument 'web=-1' is invalid"],
    [['--timeout', '0'], "option '--timeout <minutes>' argument '0' is invalid"],
    [['--cloud', 'web'], "option '--cloud <node=cloud>' argument 'web' is invalid"],
    [['--ssh-key', '/nonexistent/key.pub'], '--ssh-key /nonexistent/key.pub: cannot read it'],
  ])('launch %j exits 2 naming the flag', async (flags, message) => {
    const result = await cli(['run', 'launch', 't/hello', ...flags]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
  });

  it('an unknown run id exits 1 with a not-found message', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const argv of [['run', 'get', unknown], ['run', 'watch', unknown], ['run', 'terminate', unknown]]) {
      const result = await cli(argv);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`run '${unknown}' not found`);
    }
  });

  it('reports what the server rejects with field paths, exit 1, launching nothing', async () => {
    const before = (await client.runs.list()).length;
    const result = await cli(['run', 'launch', 't/hello', '--multiplicity', 'nosuchnode=2']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('multiplicities.nosuchnode');
    expect((await client.runs.list()).length).toBe(before);
  });

  it('downloadReport verifies a report and renames it into place', async () => {
    const id = launched[0]!;
    const [report] = await client.runs.reports(id);
    const file = join(dir, 'again', 'r.tar.gz');
    const saved = await client.runs.downloadReport(id, report!.instance, report!.name, file);
    expect(saved).toMatchObject({ instance: 'machine.1', name: 'machine.1.tar.gz' });
    expect((await stat(file)).size).toBe(saved.sizeBytes);
    await expect(stat(`${file}.part`)).rejects.toThrow();
  });
});
