/**
 * A recipe that prints far more than the agent can ship (500,000 lines, 32
 * MB, at once): the log the controller serves says where lines were dropped
 * and how many (marker lines whose counts, added to the lines shown, are
 * every line and byte printed, each marker exactly where its lines were),
 * `slipstream run logs` prints those markers as lines (and as `dropped` in
 * JSON), and the instance's report holds every line. The controller is a real
 * process, so that its memory can be read before and after the flood.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { run as runLogs } from '../../client/cli/commands/run/logs.js';
import type { CliDeps } from '../../client/cli/deps.js';
import type { RunLogLine } from '../../client/services/run-types.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';
import { TestRuns } from '../helpers/runs.js';

const PRINTED_LINES = 500_000;
/** `line 0000001 ` and 50 x: 63 characters and a newline. */
const LINE_BYTES = 64;
const lineText = (n: number) => `line ${String(n).padStart(7, '0')} ${'x'.repeat(50)}`;
const FLOOD = `seq -f 'line %07g ${'x'.repeat(50)}' 1 ${PRINTED_LINES}`;
const GAP_NOTICE = /^\[slipstream\] [\d,]+ lines? \([\d.]+ [kMG]?B\) of output dropped here; the full output is in the report: slipstream run reports \S+ --instance flood\.1 \(logs\/deployment\.log\)$/;

/** The controller's resident memory now and at its peak, in MiB. */
function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
}

/** `slipstream run logs` against the controller, its stdout captured. */
async function cliLogs(client: SlipstreamClient, id: string, output: 'table' | 'json'): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const deps: CliDeps = { connect: () => client, stdout, stderr: new PassThrough(), isTTY: false, env: {}, configPath: '/nonexistent/slipstream.yaml' };
  const code = await runLogs(deps, { output, id, instance: 'flood.1' });
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe.each(TEST_DATABASES)('recipe output beyond what the agent can ship, on %s', (database) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-log-gaps-'));
  const token = newTokenSecret();
  let pg: TemporaryDatabase | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;
  let runs: TestRuns | undefined;

  afterAll(async () => {
    // Terminated while the controller runs: its local VM (the agent) goes with the run.
    await runs?.terminateAll();
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  });

  it('marks every gap with its counts, and the report holds every line', async () => {
    pg = database === 'postgres' ? await createTemporaryDatabase() : undefined;
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', '--insecure'];
    if (pg) args.push('--database', pg.url);
    proc = spawnController(args, { SLIPSTREAM_BOOTSTRAP_TOKEN: token });
    await startedPort(proc);
    client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });
    runs = new TestRuns(client);
    await client.modules.save({ kind: 'component', path: 'noisy/flood', images: { local: 'local' }, resources: {}, recipes: { deployment: FLOOD }, parameters: [] });
    await client.modules.save({ kind: 'application', path: 'noisy/app', nodes: [{ name: 'flood', component: 'noisy/flood', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} }] });

    const before = memoryMiB(proc.child.pid!);
    const started = Date.now();
    const runId = (await runs.launch('noisy/app', { timeoutMinutes: 5 })).id;
    await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
    const after = memoryMiB(proc.child.pid!);

    const { lines } = await client.runs.logs(runId, { instance: 'flood.1' });
    const output = lines.filter((l) => l.phase === 'deployment' && !l.dropped);
    const gaps = lines.filter((l) => l.dropped);
    const shownBytes = output.reduce((sum, l) => sum + Buffer.byteLength(l.text) + 1, 0);
    const dropped = gaps.reduce((sum, l) => ({ lines: sum.lines + l.dropped!.lines, bytes: sum.bytes + l.dropped!.bytes }), { lines: 0, bytes: 0 });
    console.log(
      `[${database}] ${PRINTED_LINES.toLocaleString('en-US')} lines printed in ${Date.now() - started} ms to Ready: ${output.length.toLocaleString('en-US')} shown, ` +
        `${dropped.lines.toLocaleString('en-US')} dropped in ${gaps.length} gaps; controller RSS ${before.rss} -> ${after.rss} MiB (peak ${after.peak} MiB, ${before.peak} before)`,
    );
    expect(gaps.length).toBeGreaterThan(0);
    expect(output.length + dropped.lines).toBe(PRINTED_LINES);
    expect(shownBytes + dropped.bytes).toBe(PRINTED_LINES * LINE_BYTES);
    expect(dropped.bytes).toBe(dropped.lines * LINE_BYTES);

    // Each marker stands where its lines were: the numbers around it jump by exactly its count.
    let expected = 1;
    for (const line of lines.filter((l) => l.phase === 'deployment')) {
      if (line.dropped) {
        expect(line.text).toMatch(GAP_NOTICE);
        expect(line.text).toContain(runId);
        expected += line.dropped.lines;
      } else {
        expect(line.text).toBe(lineText(expected));
        expected++;
      }
    }
    expect(expected).toBe(PRINTED_LINES + 1);

    // The CLI prints a marker as a line of its own, and as `dropped` in JSON.
    const table = await cliLogs(client, runId, 'table');
    expect(table.code).toBe(0);
    const printedGaps = table.out.split('\n').filter((l) => l.includes('[slipstream] '));
    expect(printedGaps).toHaveLength(gaps.length);
    expect(printedGaps[0]).toContain(`flood.1 deployment: ${gaps[0]!.text}`);
    const json = await cliLogs(client, runId, 'json');
    const jsonGaps = (JSON.parse(json.out) as RunLogLine[]).filter((l) => l.dropped);
    expect(jsonGaps.map((l) => l.dropped)).toEqual(gaps.map((l) => l.dropped));

    // The report has it all, as printed, beside the agent's own notes (`[slipstream-agent] deployment script 1/1 ... started`).
    const [report] = (await runs.reports(runId)).filter((r) => r.instance === 'flood.1');
    const tarball = join(dataDir, 'flood.1.tar.gz');
    writeFileSync(tarball, await runs.downloadReport(runId, 'flood.1', report!.name));
    const extracted = spawnSync('tar', ['-xzOf', tarball, 'logs/deployment.log'], { maxBuffer: 64 * 1024 * 1024 });
    expect(extracted.status).toBe(0);
    const fileLines = extracted.stdout.toString('latin1').split('\n').slice(0, -1);
    const recipeLines = fileLines.filter((l) => !l.startsWith('[slipstream-agent] '));
    expect(fileLines.length - recipeLines.length).toBeLessThanOrEqual(2);
    expect(recipeLines).toHaveLength(PRINTED_LINES);
    expect(recipeLines.every((l, i) => l === lineText(i + 1))).toBe(true);

    // Bounded: the flood costs the controller a little memory, not its size.
    expect(after.rss - before.rss).toBeLessThan(200);
    await runs.terminate(runId);
    await runs.waitForState(runId, RunState.RUN_STATE_DONE, 60_000);
  }, 120_000);
});
