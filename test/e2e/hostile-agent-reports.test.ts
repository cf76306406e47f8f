/**
 * A VM cannot fill the controller's disk with reports: each instance keeps
 * at most `--report-max-count` reports of at most `--report-max-bytes`
 * together; past it an upload is refused RESOURCE_EXHAUSTED naming the
 * limit, its partial file is deleted, and the run records why. A report
 * uploaded again replaces the stored one. Report folders are 0700 and files
 * 0600 whatever the umask. Real controller, real local agents (and their
 * credentials), real files, both databases.
 */
import { type ServiceError, status } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadReportRequest, type AgentServiceClient, type UploadReportResponse } from '../../proto/gen/slipstream/v1/agent.js';
import { KeepRunning, RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { bearerMetadata } from '../helpers/agent-probe.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmCredential } from '../helpers/local-vm-credential.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';

const MAX_COUNT = 3;
const MAX_BYTES = 1024 * 1024;

/** Uploads `data` as report `name` as the agent does: its size first, 64 KiB chunks, then their sha256. */
function upload(client: AgentServiceClient, credential: string, name: string, data: Buffer, closing = { size: data.length, sha256: sha256Of(data) }): Promise<UploadReportResponse> {
  return new Promise((resolve, reject) => {
    const call = client.uploadReport(bearerMetadata(credential), (err, response) => (err ? reject(err) : resolve(response)));
    call.on('error', () => undefined);
    call.write(UploadReportRequest.fromPartial({ name, size: closing.size }));
    for (let at = 0; at < data.length; at += 64 * 1024) call.write(UploadReportRequest.fromPartial({ chunk: data.subarray(at, at + 64 * 1024) }));
    if (closing.sha256) call.write(UploadReportRequest.fromPartial({ sha256: closing.sha256 }));
    call.end();
  });
}

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

describe.each(TEST_DATABASES)('report quotas on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  let agents: AgentServiceClient;
  let runId: string;
  let credential: string;
  let umask: number;

  const reportDir = (run: string) => join(controller.dataDir, 'reports', run, 'machine.1');
  const storedBytes = async (run: string) => (await runs.reports(run)).reduce((sum, r) => sum + r.sizeBytes, 0);
  const quotaEvents = async (run: string) => (await runs.events(run)).filter((e) => e.type === 'report-refused');

  beforeAll(async () => {
    // The usual umask: the controller must not depend on it for private files.
    umask = process.umask(0o022);
    harness = await startHarness({ database, controllerOptions: { reportMaxCount: MAX_COUNT, reportMaxBytes: MAX_BYTES } });
    ({ controller, runs, agents } = harness);
    const { client } = harness;
    await client.modules.save({
      kind: 'component',
      path: 'reports/vm',
      images: { local: 'local' },
      resources: {},
      recipes: { reporting: 'echo "a report" > "$SLIPSTREAM_REPORT_DIR/summary.txt"' },
      parameters: [],
    });
    await client.modules.save({
      kind: 'component',
      path: 'reports/hog',
      images: { local: 'local' },
      resources: {},
      // Random bytes do not compress: the tarball is larger than the instance's byte quota.
      recipes: { reporting: `head -c ${2 * MAX_BYTES} /dev/urandom > "$SLIPSTREAM_REPORT_DIR/big.bin"` },
      parameters: [],
    });
    runId = (await runs.launch('reports/vm', { timeoutMinutes: 5, keepRunning: KeepRunning.KEEP_RUNNING_ALWAYS })).id;
    await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
    credential = await localVmCredential(controller, runId, 'machine.1');
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    process.umask(umask);
  });

  it('keeps the agent report private: folders 0700, files 0600', async () => {
    expect((await runs.reports(runId)).map((r) => r.name)).toEqual(['machine.1.tar.gz']);
    expect(await modeOf(join(controller.dataDir, 'reports'))).toBe('700');
    expect(await modeOf(join(controller.dataDir, 'reports', runId))).toBe('700');
    expect(await modeOf(reportDir(runId))).toBe('700');
    expect(await modeOf(join(reportDir(runId), 'machine.1.tar.gz'))).toBe('600');
  });

  it(`refuses a report past ${MAX_COUNT} per instance, naming the limit, and takes one uploaded again`, async () => {
    for (const name of ['r1.txt', 'r2.txt']) await upload(agents, credential, name, Buffer.from(`content of ${name}`));
    const refused = (await upload(agents, credential, 'r3.txt', Buffer.from('one too many')).catch((err: unknown) => err)) as ServiceError;
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toBe(`report quota exceeded: machine.1 keeps at most ${MAX_COUNT} reports (report-max-count), and 'r3.txt' would be one more`);
    // Uploaded again: replaces, counts once.
    const again = await upload(agents, credential, 'r1.txt', Buffer.from('new content'));
    expect(again.report).toMatchObject({ name: 'r1.txt', sizeBytes: 11 });
    expect((await runs.reports(runId)).map((r) => r.name).sort()).toEqual(['machine.1.tar.gz', 'r1.txt', 'r2.txt']);
    expect((await readdir(reportDir(runId))).sort()).toEqual(['machine.1.tar.gz', 'r1.txt', 'r2.txt']);
    expect(await quotaEvents(runId)).toEqual([expect.objectContaining({ type: 'report-refused', actor: 'controller', message: refused.details })]);
    expect((await harness.client.runs.get(runId)).warnings).toEqual([refused.details]);
  });

  it(`refuses bytes past ${MAX_BYTES} per instance, deletes the partial file and keeps the report it would have replaced`, async () => {
    const room = MAX_BYTES - (await storedBytes(runId)) + (await runs.reports(runId)).find((r) => r.name === 'r2.txt')!.sizeBytes;
    const refused = (await upload(agents, credential, 'r2.txt', Buffer.alloc(room + 1, 7)).catch((err: unknown) => err)) as ServiceError;
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toBe(`report quota exceeded: machine.1's reports may hold at most ${MAX_BYTES} bytes (report-max-bytes), and 'r2.txt' would pass it`);
    // No partial file left; the stored r2.txt is untouched.
    expect((await readdir(reportDir(runId))).sort()).toEqual(['machine.1.tar.gz', 'r1.txt', 'r2.txt']);
    expect(await runs.downloadReport(runId, 'machine.1', 'r2.txt')).toEqual(Buffer.from('content of r2.txt'));
    expect((await quotaEvents(runId)).at(-1)).toMatchObject({ message: refused.details });
    // Exactly the room left fits.
    const fits = await upload(agents, credential, 'r2.txt', Buffer.alloc(room, 7));
    expect(fits.report?.sizeBytes).toBe(room);
    expect(await storedBytes(runId)).toBe(MAX_BYTES);
    expect(await modeOf(join(reportDir(runId), 'r2.txt'))).toBe('600');
  });

  it('stores nothing of an upload the agent cancels half way: no partial file, no error logged, its place in the quota freed', async () => {
    const errorsBefore = controller.logs.filter((l) => (l.level as number) >= 50).length;
    const call = agents.uploadReport(bearerMetadata(credential), () => undefined);
    call.on('error', () => undefined);
    // A name the instance has already (its count and bytes are at their limits): this upload would replace r1.txt.
    call.write(UploadReportRequest.fromPartial({ name: 'r1.txt', size: 6 }));
    call.write(UploadReportRequest.fromPartial({ chunk: Buffer.from('cut') }));
    const partial = async () => (await readdir(reportDir(runId))).some((f) => f.startsWith('.r1.txt.'));
    await waitFor('the partial file', async () => ((await partial()) ? true : undefined));
    call.cancel();
    await waitFor('the partial file to go', async () => ((await partial()) ? undefined : true));
    expect(await runs.downloadReport(runId, 'machine.1', 'r1.txt')).toEqual(Buffer.from('new content'));
    expect(controller.logs.filter((l) => (l.level as number) >= 50).slice(errorsBefore)).toEqual([]);
    // Its bytes no longer count: the instance's bytes are at their limit, and the same report fits again.
    await upload(agents, credential, 'r1.txt', Buffer.from('new content'));
  });

  it('stores nothing of an upload whose agent is killed (SIGKILL) half way, and keeps the report it would have replaced', async () => {
    const errorsBefore = controller.logs.filter((l) => (l.level as number) >= 50).length;
    const uploader = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/stalled-upload.ts', controller.address, 'r1.txt'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      env: { ...process.env, SLIPSTREAM_TEST_CREDENTIAL: credential },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    uploader.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise((resolve) => uploader.on('exit', resolve));
    const partial = async () => (await readdir(reportDir(runId))).some((f) => f.startsWith('.r1.txt.'));
    await waitFor('the stalled upload to reach the controller', async () => (out.includes('sent') && (await partial()) ? true : undefined), 30_000);
    uploader.kill('SIGKILL');
    await exited;
    await waitFor('the partial file to go', async () => ((await partial()) ? undefined : true));
    expect(await runs.downloadReport(runId, 'machine.1', 'r1.txt')).toEqual(Buffer.from('new content'));
    expect(controller.logs.filter((l) => (l.level as number) >= 50).slice(errorsBefore)).toEqual([]);
    // Its bytes no longer count: the instance's bytes are at their limit, and the same report fits again.
    await upload(agents, credential, 'r1.txt', Buffer.from('new content'));
  });

  it.each([
    ['size', { size: 5, sha256: sha256Of(Buffer.from('new content')) }, /^size: says 5 bytes; the controller received 11$/],
    ['sha256', { size: 11, sha256: sha256Of(Buffer.from('other bytes')) }, /^sha256: does not match the bytes the controller received/],
    ['the closing message', { size: 11, sha256: '' }, /^sha256: the upload declared 11 bytes and ended without its closing message$/],
  ])('refuses an upload whose %s does not match what came, storing nothing', async (_what, closing, message) => {
    const refused = (await upload(agents, credential, 'r1.txt', Buffer.from('NEW CONTENT'), closing).catch((err: unknown) => err)) as ServiceError;
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(message);
    expect(await runs.downloadReport(runId, 'machine.1', 'r1.txt')).toEqual(Buffer.from('new content'));
    expect((await readdir(reportDir(runId))).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('stores the upload of an agent too old to declare a size or close it, as received', async () => {
    const stored = await upload(agents, credential, 'r1.txt', Buffer.from('new content'), { size: 0, sha256: '' });
    expect(stored.report).toMatchObject({ name: 'r1.txt', sizeBytes: 11, sha256: sha256Of(Buffer.from('new content')) });
  });

  it("refuses a real agent's oversized report once, without retries, and the run still reaches Ready", async () => {
    const hog = (await runs.launch('reports/hog', { timeoutMinutes: 5 })).id;
    await runs.waitForState(hog, RunState.RUN_STATE_READY, 90_000);
    expect(await runs.reports(hog)).toEqual([]);
    const refusal = `report quota exceeded: machine.1's reports may hold at most ${MAX_BYTES} bytes (report-max-bytes), and 'machine.1.tar.gz' would pass it`;
    expect(await quotaEvents(hog)).toEqual([expect.objectContaining({ message: refusal })]);
    // Ready, and saying what it lacks.
    expect(await harness.client.runs.get(hog)).toMatchObject({ state: 'Ready', abortMessage: undefined, warnings: [refusal] });
    expect(await readdir(reportDir(hog))).toEqual([]);
  }, 120_000);
});
