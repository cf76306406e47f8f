/**
 * A cancelled call stops its handler on a real controller: a report download
 * whose client reads nothing waits for room, and when the client cancels it,
 * the controller lets go of the report file (its handler used to wait for a
 * drain that never came, holding the file open for good). The report is
 * uploaded through AgentService's UploadReport, both calls going through the
 * one handler wrapper (controller/api/call-handlers.ts). Both databases.
 */
import { createHash } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { UploadReportRequest, type AgentServiceClient, type UploadReportResponse } from '../../proto/gen/slipstream/v1/agent.js';
import { bearerMetadata, agentServiceClient } from '../helpers/agent-probe.js';
import { grantAgentCredential, launchWaitingRun, WAITING_CLOUD } from '../helpers/agent-credential.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { waitFor } from '../helpers/poll.js';
import { TestRuns } from '../helpers/runs.js';

/** Far more than the HTTP/2 windows and socket buffers between the controller and a client that reads nothing. */
const REPORT_BYTES = 16 * 1024 * 1024;

/** Uploads `data` as the agent does: its size first, 64 KiB chunks, then their sha256. */
function upload(client: AgentServiceClient, credential: string, name: string, data: Buffer): Promise<UploadReportResponse> {
  return new Promise((resolve, reject) => {
    const call = client.uploadReport(bearerMetadata(credential), (err, response) => (err ? reject(err) : resolve(response)));
    call.write(UploadReportRequest.fromPartial({ name, size: data.length }));
    for (let at = 0; at < data.length; at += 64 * 1024) call.write(UploadReportRequest.fromPartial({ chunk: data.subarray(at, at + 64 * 1024) }));
    call.write(UploadReportRequest.fromPartial({ sha256: createHash('sha256').update(data).digest('hex') }));
    call.end();
  });
}

/** How many of this process's file descriptors (the controller runs in it) have `path` open. */
async function openDescriptors(path: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === path) count++;
  }
  return count;
}

describe.each(TEST_DATABASES)('a cancelled call on %s', (database) => {
  let controller: TestController;
  let admin: SlipstreamClient;
  let runs: TestRuns;
  let agents: AgentServiceClient;
  let runId: string;
  let reportPath: string;

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    admin = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    runs = new TestRuns(admin);
    runId = await launchWaitingRun(admin, runs, 'cancel/app');
    agents = agentServiceClient(controller.address);
    const credential = await grantAgentCredential(controller, runId, 'node.1');
    const stored = await upload(agents, credential, 'big.bin', Buffer.alloc(REPORT_BYTES, 7));
    expect(stored.report?.sizeBytes).toBe(REPORT_BYTES);
    reportPath = `${controller.dataDir}/reports/${runId}/node.1/big.bin`;
  }, 60_000);

  afterAll(async () => {
    agents?.close();
    await runs?.terminateAll();
    admin?.close();
    await controller?.stop();
  });

  it('a download the client stops reading and cancels lets go of the report file', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${controller.adminToken}`);
    const call = runs.raw.downloadRunReport({ id: runId, instance: 'node.1', name: 'big.bin' }, metadata);
    const ended = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    // The first message (the report's metadata) says the download started; then the client reads nothing more.
    await new Promise((resolve) => call.once('data', resolve));
    call.pause();
    await waitFor('the controller to open the report', async () => ((await openDescriptors(reportPath)) > 0 ? true : undefined));
    call.cancel();
    await ended;
    await waitFor('the controller to close the report', async () => ((await openDescriptors(reportPath)) === 0 ? true : undefined));
  });
});
