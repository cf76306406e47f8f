/**
 * A real controller whose stdout is a pipe to another process (`cat`, as a
 * log shipper would be), logging at debug (issue 20). When that reader is
 * SIGKILLed, the controller keeps serving (the CLI, a local run) and a
 * SIGTERM ends it in time with exit 0, stderr saying how many log lines
 * were lost to EPIPE. When the reader is SIGSTOPped and the controller
 * logs well past the pipe's 64 KiB and its own 1 MiB queue, it still
 * answers, and a SIGTERM still ends it in time, the dropped lines counted;
 * a reader that resumes reads a line saying how many it missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { SHUTDOWN_MARGIN_MS } from '../../controller/shutdown-deadline.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { spawnCli } from '../helpers/cli-process.js';
import { startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { rawRequest } from '../helpers/raw-grpc.js';
import { TestRuns } from '../helpers/runs.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GRACE_MS = 3_000;
/** A request the guard refuses before any handler, logging one debug line (about 330 bytes) for it. */
const MALFORMED = Buffer.from([0xff, 0xff, 0xff]);
const GET_MODULE = { path: '/slipstream.v1.ModuleService/GetModule', requestStream: false, responseStream: false };
/** Refused requests whose log lines come to about 2.6 MB: past the pipe's 64 KiB and the 1 MiB queue. */
const FLOOD_REQUESTS = 8_000;
const DROPPED = /^slipstream-controller: (\d+) log line\(s\) dropped: (.+)$/m;

/** The controller, its stdout a pipe to `reader` (whose output the test reads), its stderr read by the test. */
interface PipedController extends ControllerProcess {
  reader: ChildProcess;
  readerExited: Promise<unknown>;
}

function spawnPipedController(args: string[], env: Record<string, string>): PipedController {
  const reader = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', reader.stdin!, 'pipe'],
  });
  // The controller holds its own copy of the pipe's write end; ours would keep `cat` from seeing the end of it.
  reader.stdin!.destroy();
  let out = '';
  let err = '';
  reader.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  // 'close', not 'exit': the last stderr line (what the log lost) is written just before the exit.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const readerExited = new Promise((resolve) => reader.on('exit', resolve));
  return { child, reader, readerExited, stdout: () => out, stderr: () => err, exited };
}

/** SIGTERM, then how long the controller took to exit, its exit code and what its stderr says the log lost. */
async function terminate(proc: PipedController): Promise<{ ms: number; code: number | string; dropped: number; why: string }> {
  const sent = Date.now();
  proc.child.kill('SIGTERM');
  const code = await proc.exited;
  const ms = Date.now() - sent;
  const lost = DROPPED.exec(proc.stderr());
  return { ms, code, dropped: lost ? Number(lost[1]) : 0, why: lost?.[2] ?? '' };
}

describe('a controller whose log reader dies or stops', () => {
  const token = newTokenSecret();
  // Each its own temporary folder: a root controller's local VMs run as 'nobody', who cannot pass through a 0700 parent.
  const dataDirs: string[] = [];
  let proc: PipedController | undefined;
  let client: SlipstreamClient | undefined;
  let runs: TestRuns | undefined;

  async function start(): Promise<string> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-log-pipe-'));
    dataDirs.push(dataDir);
    proc = spawnPipedController(
      ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure', '--log-level', 'debug', '--shutdown-grace-ms', String(GRACE_MS)],
      { SLIPSTREAM_BOOTSTRAP_TOKEN: token },
    );
    await startedPort(proc, 60_000);
    const address = `127.0.0.1:${port}`;
    client = createSlipstreamClient({ address, token });
    runs = new TestRuns(client);
    await client.modules.save({ kind: 'component', path: 'pipe/box', images: { local: 'local' }, resources: {}, recipes: { deployment: 'ss-set result ok' }, parameters: [{ name: 'result', category: 'output', type: 'string' }] });
    await client.modules.save({ kind: 'application', path: 'pipe/app', nodes: [{ name: 'box', component: 'pipe/box', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }] });
    return address;
  }

  /** The controller still does its job: the CLI's whoami, and a local run to Ready and back to Done. */
  async function stillServes(address: string): Promise<void> {
    const cli = await spawnCli(['whoami'], address, token, dataDirs.at(-1)!).exited;
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out).toMatch(/user\s+admin/);
    const run = await runs!.launch('pipe/app', { timeoutMinutes: 5 });
    await runs!.waitForState(run.id, RunState.RUN_STATE_READY, 90_000);
    expect((await runs!.parameter(run.id, 'box.2:result')).value).toBe('ok');
    await runs!.terminate(run.id);
    await runs!.waitForState(run.id, RunState.RUN_STATE_DONE, 90_000);
  }

  afterEach(async () => {
    client?.close();
    client = undefined;
    if (proc) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        await runs?.terminateAll().catch(() => undefined);
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      if (proc.reader.exitCode === null && proc.reader.signalCode === null) {
        proc.reader.kill('SIGCONT');
        proc.reader.kill('SIGKILL');
        await proc.readerExited;
      }
    }
    proc = undefined;
  });

  afterAll(() => {
    for (const dataDir of dataDirs) {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
    }
  });

  it('keeps serving after its reader is SIGKILLed, and a SIGTERM ends it in time, the lost lines counted', async () => {
    const address = await start();
    proc!.reader.kill('SIGKILL');
    await proc!.readerExited;

    await stillServes(address);
    const ended = await terminate(proc!);

    console.log(`reader killed: SIGTERM to exit ${ended.ms} ms, ${ended.dropped} log line(s) dropped`);
    expect(ended.code, proc!.stderr()).toBe(0);
    expect(ended.ms).toBeLessThan(GRACE_MS + SHUTDOWN_MARGIN_MS);
    expect(ended.why).toBe('the log output failed (EPIPE)');
    // At least the lines of the run and of the shutdown, which came after the reader was gone.
    expect(ended.dropped).toBeGreaterThan(10);
  }, 240_000);

  /** Requests the guard refuses, each answered, each logged: past what the pipe and the queue hold. */
  async function flood(address: string): Promise<void> {
    for (let sent = 0; sent < FLOOD_REQUESTS; sent += 100) {
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => rawRequest(address, GET_MODULE, MALFORMED)));
      expect(outcomes.map((o) => o.code)).toEqual(outcomes.map(() => status.INVALID_ARGUMENT));
    }
  }

  it('keeps serving while its reader is SIGSTOPped and the pipe full, and a SIGTERM ends it in time', async () => {
    const address = await start();
    process.kill(proc!.reader.pid!, 'SIGSTOP');

    await flood(address);
    await stillServes(address);
    const ended = await terminate(proc!);

    console.log(`reader stopped: SIGTERM to exit ${ended.ms} ms, ${ended.dropped} log line(s) dropped`);
    expect(ended.code, proc!.stderr()).toBe(0);
    expect(ended.ms).toBeLessThan(GRACE_MS + SHUTDOWN_MARGIN_MS);
    expect(ended.why).toBe('the log output did not keep up');
    expect(ended.dropped).toBeGreaterThan(0);
    expect(ended.dropped).toBeLessThan(FLOOD_REQUESTS);
  }, 240_000);

  it('tells a reader that resumes how many lines it missed', async () => {
    const address = await start();
    process.kill(proc!.reader.pid!, 'SIGSTOP');
    await flood(address);
    process.kill(proc!.reader.pid!, 'SIGCONT');

    const notice = await waitFor('the notice of the dropped lines', async () => {
      const line = proc!.stdout().split('\n').find((l) => l.includes('"msg":"log lines dropped: stdout did not keep up"'));
      return line ? (JSON.parse(line) as { level: number; dropped: number }) : undefined;
    }, 60_000);
    await stillServes(address);
    const ended = await terminate(proc!);

    console.log(`reader resumed: ${notice.dropped} log line(s) dropped, SIGTERM to exit ${ended.ms} ms`);
    expect(notice.level).toBe(40);
    expect(notice.dropped).toBeGreaterThan(0);
    // Nothing dropped after the reader came back: the total at the exit is what the notice said.
    expect(ended).toMatchObject({ code: 0, dropped: notice.dropped, why: 'the log output did not keep up' });
    // The log is whole again after the notice: the run's lines and the last one of the shutdown.
    expect(proc!.stdout()).toContain('"msg":"stopped"');
  }, 240_000);
});
