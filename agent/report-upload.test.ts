import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { waitFor } from '../test/helpers/poll.js';
import { createAgentLogger } from './log.js';
import { ReportUploadGaveUpError, uploadWithRetries, type ReportUploadPolicy } from './report-upload.js';
import { cleanupAll, startFakeController, startTestAgent } from './testing/test-agent.js';

afterEach(cleanupAll);

const SENDING_REPORTS = RunState.RUN_STATE_SENDING_REPORTS;
const QUICK: ReportUploadPolicy = { giveUpMs: 60_000, backoff: { baseMs: 1, capMs: 5 } };
const log = createAgentLogger({ sink: () => undefined, bindings: {} });
const grpcError = (code: status) => Object.assign(new Error(status[code]), { code, details: `${status[code]} from the test` });

/** uploadWithRetries over attempts that fail with `codes` in turn, then succeed. */
async function upload(codes: status[], policy = QUICK): Promise<{ attempts: number; failedOver: number }> {
  let attempts = 0;
  let failedOver = 0;
  await uploadWithRetries(policy, {
    attempt: async () => {
      const code = codes[attempts++];
      if (code !== undefined) throw grpcError(code);
    },
    failedOver: () => failedOver++,
    address: () => '127.0.0.1:1',
    log,
    signal: new AbortController().signal,
  });
  return { attempts, failedOver };
}

describe('report upload retries', () => {
  it('retries a controller that is away for as long as the policy says, moving to the next address each time', async () => {
    const away = Array.from({ length: 20 }, () => status.UNAVAILABLE);
    expect(await upload(away)).toEqual({ attempts: 21, failedOver: 20 });
  });

  it('gives up when the time is up, saying what it tried', async () => {
    const never = Array.from({ length: 10_000 }, () => status.UNAVAILABLE);
    const error = await upload(never, { giveUpMs: 200, backoff: { baseMs: 10, capMs: 40 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportUploadGaveUpError);
    expect((error as ReportUploadGaveUpError).reason).toMatch(/^no controller took the report \(UNAVAILABLE: UNAVAILABLE from the test\) after \d+ attempts in 0 s$/);
    expect((error as ReportUploadGaveUpError).refusedByController).toBe(false);
  });

  it('gives up at once on a refusal a retry would meet again; a quota is the controller’s own record', async () => {
    const denied = (await upload([status.PERMISSION_DENIED]).catch((e: unknown) => e)) as ReportUploadGaveUpError;
    expect(denied.reason).toMatch(/^the controller refused the report \(PERMISSION_DENIED: .*\) after 1 attempt in 0 s$/);
    expect(denied.refusedByController).toBe(false);
    const quota = (await upload([status.RESOURCE_EXHAUSTED]).catch((e: unknown) => e)) as ReportUploadGaveUpError;
    expect(quota.refusedByController).toBe(true);
  });

  it('retries streams cut by a dying server three times in a row, not for minutes', async () => {
    expect(await upload([status.INTERNAL, status.CANCELLED, status.INTERNAL, status.UNAVAILABLE, status.INTERNAL])).toEqual({ attempts: 6, failedOver: 5 });
    const faulty = await upload([status.INTERNAL, status.INTERNAL, status.INTERNAL, status.INTERNAL]).catch((e: unknown) => e);
    expect(faulty).toBeInstanceOf(ReportUploadGaveUpError);
  });
});

describe('the agent’s report upload', () => {
  it('outlasts a controller that refuses uploads for longer than the old five attempts, and uploads once it takes them', async () => {
    const f = await startFakeController({ runState: SENDING_REPORTS });
    f.refuseUploads = status.UNAVAILABLE;
    await startTestAgent(f, { reportUpload: { giveUpMs: 120_000, backoff: { baseMs: 20, capMs: 100 } } });
    await waitFor('ten refused uploads', async () => (f.uploadsRefused >= 10 ? true : undefined), 30_000);
    expect(f.hasCompleted(SENDING_REPORTS)).toBe(false);
    f.refuseUploads = undefined;
    await waitFor('SendingReports completed', async () => f.hasCompleted(SENDING_REPORTS) || undefined, 30_000);
    expect(f.uploads.map((u) => u.name)).toEqual(['web.1.tar.gz']);
    expect(f.reportsMissing).toEqual([]);
  });

  it('once it gives up, tells the controller why, then completes the phase', async () => {
    const f = await startFakeController({ runState: SENDING_REPORTS });
    f.refuseUploads = status.UNAVAILABLE;
    await startTestAgent(f, { reportUpload: { giveUpMs: 300, backoff: { baseMs: 20, capMs: 50 } } });
    await waitFor('SendingReports completed', async () => f.hasCompleted(SENDING_REPORTS) || undefined, 30_000);
    expect(f.uploads).toEqual([]);
    expect(f.reportsMissing).toHaveLength(1);
    expect(f.reportsMissing[0]).toMatchObject({ name: 'web.1.tar.gz', reason: expect.stringMatching(/^no controller took the report \(UNAVAILABLE: uploads refused by the test\) after \d+ attempts in 0 s$/) as unknown });
  });
});
