import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, status, type ServerWritableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/poll.js';
import * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { CancelledError, DataLossError, NotFoundError } from '../errors.js';
import { createSlipstreamClient, type SlipstreamClient } from '../index.js';
import { REPORT_CORRUPT } from './report-download.js';

// A real grpc-js server whose RunService streams answer by run id.
const BYTES = Buffer.from('not really a tarball, but bytes all the same '.repeat(5000));
const SHA = createHash('sha256').update(BYTES).digest('hex');
const cancelled = new Set<string>();

const event = (sequence: number): pb.WatchRunResponse => ({
  sequence,
  update: { $case: 'event', value: pb.RunEvent.fromPartial({ sequence, actor: 'controller', type: 'state', message: `event ${sequence}` }) },
});

const handlers: Partial<pb.RunServiceServer> = {
  watchRun: (call: ServerWritableStream<pb.WatchRunRequest, pb.WatchRunResponse>) => {
    const { id, afterSequence } = call.request;
    call.on('cancelled', () => cancelled.add(id));
    call.write(event(afterSequence + 1));
    call.write(event(afterSequence + 2));
    if (id === 'gone') call.emit('error', { code: status.NOT_FOUND, details: `run '${id}' not found` });
    else if (id === 'done') call.end();
    // 'open': stays open until the client cancels.
  },
  downloadRunReport: (call: ServerWritableStream<pb.DownloadRunReportRequest, pb.DownloadRunReportResponse>) => {
    const { id, instance, name } = call.request;
    const sha256 = id === 'tampered' ? SHA.replace(/^./, (c) => (c === '0' ? '1' : '0')) : SHA;
    call.write({ report: { instance, name, sizeBytes: BYTES.length, sha256 }, chunk: Buffer.alloc(0) });
    for (let at = 0; at < (id === 'short' ? BYTES.length / 2 : BYTES.length); at += 64 * 1024) {
      call.write({ report: undefined, chunk: BYTES.subarray(at, at + 64 * 1024) });
    }
    call.end();
  },
};

let server: Server;
let client: SlipstreamClient;
let dir: string;

beforeAll(async () => {
  server = new Server();
  server.addService(pb.RunServiceService, handlers as pb.RunServiceServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  // A 1 ms default deadline: it would end any unary call; streams must ignore it.
  client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token: 't', defaultTimeoutMs: 1 });
  dir = await mkdtemp(join(tmpdir(), 'slipstream-runs-client-'));
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function collect(iterable: AsyncIterable<pb.WatchRunResponse>, limit = Infinity): Promise<number[]> {
  const sequences: number[] = [];
  for await (const update of iterable) {
    sequences.push(update.sequence);
    if (sequences.length >= limit) break;
  }
  return sequences;
}

describe('RunsClient.watch', () => {
  it('yields every message until the server ends the stream, unbounded by the default deadline', async () => {
    expect(await collect(client.runs.watch('done', { afterSequence: 10 }))).toEqual([11, 12]);
  });

  it('throws the typed error after the messages that preceded it', async () => {
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const update of client.runs.watch('gone')) seen.push(update.sequence);
    })().catch((error: unknown) => error);
    expect(seen).toEqual([1, 2]);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as NotFoundError).message).toBe("run 'gone' not found");
  });

  it('cancels the call when the loop is left early', async () => {
    expect(await collect(client.runs.watch('open'), 1)).toEqual([1]);
    await waitFor('the server to see the cancel', async () => (cancelled.has('open') ? true : undefined));
  });

  it('cancels the call when the signal aborts, throwing CancelledError', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const update of client.runs.watch('open-2', { signal: abort.signal })) {
        seen.push(update.sequence);
        if (seen.length === 2) abort.abort();
      }
    })().catch((error: unknown) => error);
    expect(seen).toEqual([1, 2]);
    expect(failure).toBeInstanceOf(CancelledError);
    await waitFor('the server to see the cancel', async () => (cancelled.has('open-2') ? true : undefined));
  });
});

describe('RunsClient.downloadReport', () => {
  it('streams the chunks into the file and checks size and sha256', async () => {
    const file = join(dir, 'ok', 'web.1.tar.gz');
    const report = await client.runs.downloadReport('fine', 'web.1', 'web.1.tar.gz', file);
    expect(report).toMatchObject({ instance: 'web.1', name: 'web.1.tar.gz', sizeBytes: BYTES.length, sha256: SHA });
    expect((await readFile(file)).equals(BYTES)).toBe(true);
    expect(await readdir(join(dir, 'ok'))).toEqual(['web.1.tar.gz']);
  });

  it.each([
    ['tampered', 'a digest that does not match'],
    ['short', 'fewer bytes than announced'],
  ])('rejects %s bytes (%s) with DataLossError and leaves no file', async (id) => {
    const folder = join(dir, id);
    const failure = await client.runs.downloadReport(id, 'web.1', 'web.1.tar.gz', join(folder, 'r.tar.gz')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DataLossError);
    expect((failure as DataLossError).reason).toBe(REPORT_CORRUPT);
    expect((failure as DataLossError).code).toBe(status.DATA_LOSS);
    expect(await readdir(folder)).toEqual([]);
  });
});
