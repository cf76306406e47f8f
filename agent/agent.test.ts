import { readFile, writeFile, mkdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { TcpProxy } from '../test/helpers/tcp-proxy.js';
import { RunState, ScaleAction } from '../proto/gen/slipstream/v1/runs.js';
import { ScaleHook } from '../proto/gen/slipstream/v1/agent.js';
import type { FakeController } from './testing/test-controller.js';
import { cleanupAll, isRunning, start, startFakeController, startTestAgent, tempDir } from './testing/test-agent.js';

const { RUN_STATE_PROVISIONING: PROVISIONING, RUN_STATE_EXECUTING: EXECUTING, RUN_STATE_SENDING_REPORTS: SENDING_REPORTS } = RunState;
const { RUN_STATE_READY: READY, RUN_STATE_DONE: DONE } = RunState;

afterEach(cleanupAll);

const completed = (f: FakeController, state: RunState, epoch?: number) =>
  waitFor(`${RunState[state]} completed`, async () => f.hasCompleted(state, epoch) || undefined);

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function untar(data: Buffer): Promise<string> {
  const dir = await tempDir('ssa-untar-');
  await writeFile(join(dir, 'r.tar.gz'), data);
  await mkdir(join(dir, 'x'));
  const tar = await start('tar', ['-xzf', join(dir, 'r.tar.gz'), '-C', join(dir, 'x')]).finished;
  expect(tar.code).toBe(0);
  return join(dir, 'x');
}

describe('agent phases', () => {
  it('enrolls, then runs every phase in order on the pushed states and completes each', async () => {
    const f = await startFakeController({
      heartbeatIntervalMs: 100,
      plan: {
        packages: ['curl'],
        sshPublicKeys: ['ssh-ed25519 AAAA test'],
        preinstall: [{ source: 'app/base@1', script: 'echo preinstall >> order.txt' }],
        postinstall: [{ source: 'app/base@1', script: 'echo postinstall >> order.txt' }],
        deployment: [
          { source: 'app/base@1', script: 'echo deployment-parent >> order.txt' },
          {
            source: 'app/web@2',
            script: [
              'echo "deployment $SLIPSTREAM_NODE_INSTANCE $SLIPSTREAM_STATE" >> order.txt',
              'env | grep ^SLIPSTREAM_ | sort > env.txt',
              'ss-set greeting "hello world"',
              'ss-get greeting > got.txt',
              'echo hello from deployment',
              'echo to stderr >&2',
            ].join('\n'),
          },
        ],
        reporting: [{ source: 'app/web@2', script: 'echo report-data > "$SLIPSTREAM_REPORT_DIR/result.txt"' }],
      },
    });
    const { agent, workDir, logs } = await startTestAgent(f);
    const home = join(workDir, 'home');

    await completed(f, PROVISIONING);
    expect(f.enrollments).toHaveLength(1);
    expect(f.enrollments[0]).toMatchObject({ hostname: 'vm-test', ip: '10.0.0.7', instanceId: 'i-0123', agentVersion: '0.1.0' });
    expect(f.hellos[0]).toMatchObject({ completedState: RunState.RUN_STATE_UNSPECIFIED, completedEpoch: 0 });
    // Only the hostname: the controller writes ip and instanceid from what the cloud reported.
    expect(Object.fromEntries(f.parameterSets.map((p) => [p.key, p.value]))).toEqual({ 'web.1:hostname': 'vm-test' });
    expect(logs.some((l) => l.msg === 'ssh key installation disabled; keys skipped')).toBe(true);

    f.setState(EXECUTING);
    await completed(f, EXECUTING);
    expect((await readFile(join(home, 'order.txt'), 'utf8')).trim().split('\n')).toEqual([
      'preinstall',
      'postinstall',
      'deployment-parent',
      'deployment web.1 Executing',
    ]);
    expect(await readFile(join(home, 'got.txt'), 'utf8')).toBe('hello world\n');
    const env = await readFile(join(home, 'env.txt'), 'utf8');
    expect(env).toContain('SLIPSTREAM_RUN_ID=run-1\n');
    expect(env).toContain('SLIPSTREAM_NODE_NAME=web\n');
    expect(env).toContain('SLIPSTREAM_NODE_INDEX=1\n');
    expect(env).toContain('SLIPSTREAM_CLOUD=local\n');
    expect(env).toContain(`SLIPSTREAM_REPORT_DIR=${join(workDir, 'reports')}\n`);
    expect(env).toContain(`SLIPSTREAM_AGENT_SOCKET=${join(workDir, 'agent.sock')}\n`);
    expect(logs.some((l) => l.msg === 'package installation disabled; packages skipped')).toBe(true);
    await waitFor('log lines shipped', async () => f.logLines.some((l) => l.text === 'to stderr') || undefined);
    expect(f.logLines.find((l) => l.text === 'hello from deployment')).toMatchObject({ instance: 'web.1', phase: 'deployment', stream: 'stdout' });
    expect(f.logLines.find((l) => l.text === 'to stderr')).toMatchObject({ stream: 'stderr' });
    expect(await readFile(join(workDir, 'logs', 'deployment.log'), 'utf8')).toContain('hello from deployment\n');

    f.setState(SENDING_REPORTS);
    await completed(f, SENDING_REPORTS);
    expect(f.uploads.map((u) => u.name)).toEqual(['web.1.tar.gz']);
    const extracted = await untar(f.uploads[0]!.data);
    expect(await readFile(join(extracted, 'reports', 'result.txt'), 'utf8')).toBe('report-data\n');
    expect(await readFile(join(extracted, 'logs', 'deployment.log'), 'utf8')).toContain('hello from deployment');

    f.setState(READY);
    await completed(f, READY);
    expect(f.completions).toEqual([PROVISIONING, EXECUTING, SENDING_REPORTS, READY].map((state) => ({ state, epoch: 1 })));
    expect(f.heartbeats).toBeGreaterThan(0);

    f.setState(DONE);
    expect(await agent.done).toEqual({ reason: 'finished', state: DONE, exitCode: 0 });
    expect(JSON.parse(await readFile(join(workDir, 'state.json'), 'utf8'))).toMatchObject({ finished: true, completedState: READY });
    expect(JSON.stringify(logs)).not.toContain(f.token);
  });

  it('a failing deployment aborts the run naming instance, phase, source and exit code, skips the rest, and still sends reports', async () => {
    const f = await startFakeController({
      runState: EXECUTING,
      plan: {
        deployment: [
          { source: 'app/web@3', script: 'for i in $(seq 1 15); do echo line $i; done\necho oops >&2\nexit 3' },
          { source: 'app/web@3', script: 'touch should-not-run' },
        ],
        reporting: [{ source: 'app/web@3', script: 'echo "$SLIPSTREAM_STATE" > "$SLIPSTREAM_REPORT_DIR/state.txt"' }],
      },
    });
    const { workDir } = await startTestAgent(f);
    await completed(f, EXECUTING);
    expect(f.aborts).toHaveLength(1);
    const message = f.aborts[0]!.message;
    expect(message).toMatch(/^web\.1: deployment script app\/web@3 failed with exit code 3; last 10 lines of output:\n/);
    expect(message).toContain('oops');
    expect(message).toContain('line 15');
    expect(message).not.toContain('line 5\n');
    expect(await exists(join(workDir, 'home', 'should-not-run'))).toBe(false);
    // The failed script's output reached the controller before the abort (a controller that ends the run at once
    // may destroy the VM, and with it what the agent had not shipped).
    expect(f.logLines.slice(0, f.logLinesBeforeAbort[0]).map((l) => l.text)).toContain('oops');

    f.setState(SENDING_REPORTS); // the fake now carries the abort message, as the controller would
    expect(f.run.abortMessage).toBe(message);
    await completed(f, SENDING_REPORTS);
    const extracted = await untar(f.uploads[0]!.data);
    expect(await readFile(join(extracted, 'reports', 'state.txt'), 'utf8')).toBe('SendingReports\n');
  });

  it('killScripts kills the running script and its background child within 2 s, then completes the state', async () => {
    const f = await startFakeController({
      runState: EXECUTING,
      plan: {
        deployment: [
          { source: 'app/web@1', script: 'sleep 600 &\necho $! > bg.pid\necho $$ > fg.pid\nsleep 600\necho after > after.txt' },
          { source: 'app/web@1', script: 'touch next-script' },
        ],
      },
    });
    const { workDir } = await startTestAgent(f);
    const home = join(workDir, 'home');
    const [bg, fg] = await waitFor('script started', async () => {
      const [b, g] = await Promise.all([readFile(join(home, 'bg.pid'), 'utf8'), readFile(join(home, 'fg.pid'), 'utf8')]);
      return b && g ? [Number(b), Number(g)] : undefined;
    });
    expect(await isRunning(bg!)).toBe(true);
    const killedAt = Date.now();
    f.killScripts('operator abort');
    await waitFor('script processes gone', async () => (!(await isRunning(bg!)) && !(await isRunning(fg!))) || undefined, 2_000);
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    await completed(f, EXECUTING);
    expect(await exists(join(home, 'after.txt'))).toBe(false);
    expect(await exists(join(home, 'next-script'))).toBe(false);
    expect(f.aborts).toHaveLength(0);
  });

  it('an abort message pushed for the current state kills its scripts at once', async () => {
    const f = await startFakeController({ runState: EXECUTING, plan: { deployment: [{ source: 'app/web@1', script: 'echo $$ > pid; exec sleep 600' }] } });
    const { workDir } = await startTestAgent(f);
    const pid = await waitFor('script started', async () => Number(await readFile(join(workDir, 'home', 'pid'), 'utf8')) || undefined);
    f.setState(EXECUTING, { abortMessage: 'db.1 failed' });
    await completed(f, EXECUTING);
    expect(await isRunning(pid)).toBe(false);
  });

  it('entering Executing when the run is already aborted skips the recipes and completes', async () => {
    const f = await startFakeController({ runState: PROVISIONING, plan: { deployment: [{ source: 'app/web@1', script: 'touch ran' }] } });
    const { workDir } = await startTestAgent(f);
    await completed(f, PROVISIONING);
    f.setState(EXECUTING, { abortMessage: 'db.1 failed to provision' });
    await completed(f, EXECUTING);
    expect(await exists(join(workDir, 'home', 'ran'))).toBe(false);
  });

  it('reconnects after the controller restarts on the same port, re-sending a pending wait', async () => {
    const f = await startFakeController({ runState: PROVISIONING });
    const { workDir } = await startTestAgent(f);
    await completed(f, PROVISIONING);
    const get = start(join(workDir, 'bin', 'ss-get'), ['--timeout', '0', 'db.1:host'], { env: { PATH: process.env.PATH } });
    await waitFor('get received', async () => f.parameterGets.find((g) => g.key === 'db.1:host'));

    await f.stop();
    f.setState(EXECUTING); // changed while the agent was away: it learns it from the next welcome
    await f.restart();
    await waitFor('session back', async () => (f.hellos.length >= 2 && f.openSessions === 1) || undefined);
    expect(f.hellos[1]).toMatchObject({ completedState: PROVISIONING, completedEpoch: 1 });
    await completed(f, EXECUTING);
    const gets = await waitFor('get re-sent', async () => {
      const all = f.parameterGets.filter((g) => g.key === 'db.1:host');
      return all.length >= 2 ? all : undefined;
    });
    expect(gets[1]!.requestId).toBe(gets[0]!.requestId);
    f.setParameter('db.1:host', '10.1.1.1');
    const done = await get.finished;
    expect(done).toMatchObject({ code: 0, stdout: '10.1.1.1\n' });
  });

  it('while the controller cannot be reached, redials without failing a session per attempt, and stops at once', async () => {
    const f = await startFakeController({ runState: PROVISIONING });
    const proxy = await TcpProxy.start(f.address);
    try {
      const { agent, logs } = await startTestAgent(f, { config: f.agentConfig(await tempDir(), { controller: proxy.address }) });
      await completed(f, PROVISIONING);
      proxy.refuse(true);
      proxy.dropAll();
      // Each redial is a refused connection; the session waits for the channel instead of opening streams that fail.
      await waitFor('three refused redials', async () => proxy.refused >= 3 || undefined);
      expect(logs.filter((l) => l.msg === 'session lost; reconnecting')).toHaveLength(1);
      const stopped = Date.now();
      await agent.stop();
      expect(Date.now() - stopped).toBeLessThan(10_000);
    } finally {
      await proxy.close();
    }
  });

  it('a refused bootstrap token ends the agent with a fatal, clear error', async () => {
    const f = await startFakeController();
    const workDir = await tempDir();
    const { startAgent } = await import('./agent.js');
    const agent = await startAgent({ config: { ...f.agentConfig(workDir), bootstrapToken: 'wrong' }, logSink: () => undefined });
    const exit = await agent.done;
    expect(exit.reason).toBe('fatal');
    expect(exit.exitCode).toBe(1);
    expect(exit.error?.message).toMatch(/refused the bootstrap token \(UNAUTHENTICATED\)/);
  });

  // The add names its hook by the enum only (a controller that no longer fills the text), the remove by the text only (an older controller).
  it('during a scale action runs only the hook, with the scaling variables; a removed instance runs preScale and sends reports', async () => {
    const f = await startFakeController({
      runState: READY,
      plan: {
        deployment: [{ source: 'app/web@1', script: 'echo deploy >> runs.txt' }],
        onVmAdd: [{ source: 'app/web@1', script: 'echo "add $SLIPSTREAM_SCALING_ACTION $SLIPSTREAM_SCALING_NODE [$SLIPSTREAM_SCALING_VMS] $SLIPSTREAM_STATE" >> runs.txt' }],
        preScale: [{ source: 'app/web@1', script: 'echo "pre $SLIPSTREAM_SCALING_ACTION [$SLIPSTREAM_SCALING_VMS]" >> runs.txt' }],
        reporting: [{ source: 'app/web@1', script: 'echo reporting >> runs.txt' }],
      },
    });
    const { workDir } = await startTestAgent(f);
    await completed(f, READY, 1);
    const none = { scaleHook: ScaleHook.SCALE_HOOK_UNSPECIFIED, hook: '' };
    const add = { action: ScaleAction.SCALE_ACTION_ADD, node: 'web', instances: ['web.2', 'web.3'], scaleHook: ScaleHook.SCALE_HOOK_ON_VM_ADD, hook: '' };
    f.setState(PROVISIONING, { epoch: 2, scale: add });
    await completed(f, PROVISIONING, 2);
    f.setState(EXECUTING, { epoch: 2, scale: { ...add, ...none } });
    await completed(f, EXECUTING, 2);
    f.setState(READY, { epoch: 2 });
    await completed(f, READY, 2);
    const remove = { action: ScaleAction.SCALE_ACTION_REMOVE, node: 'web', instances: ['web.1'], scaleHook: ScaleHook.SCALE_HOOK_UNSPECIFIED, hook: 'preScale' };
    f.setState(PROVISIONING, { epoch: 3, scale: { ...remove, ...none } });
    await completed(f, PROVISIONING, 3);
    f.setState(SENDING_REPORTS, { epoch: 3, scale: remove });
    await completed(f, SENDING_REPORTS, 3);
    expect((await readFile(join(workDir, 'home', 'runs.txt'), 'utf8')).trim().split('\n')).toEqual([
      'add add web [web.2 web.3] Provisioning',
      'pre remove [web.1]',
      'reporting',
    ]);
    expect(f.uploads).toHaveLength(1);
    expect(await isRunning(process.pid)).toBe(true);
  });
});
