/**
 * Saves a DownloadRunReport stream to a file: the first message announces the
 * report (size, sha256), the following ones carry its bytes. The bytes go to
 * `<file>.part` and are renamed into place only once size and digest match,
 * so a file at the target path is always a complete, verified report.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type * as pb from '../../proto/gen/slipstream/v1/runs.js';
import { DataLossError } from '../errors.js';
import type { RunReport } from './run-types.js';

/** ErrorInfo.reason of a report that arrived incomplete or corrupt. */
export const REPORT_CORRUPT = 'REPORT_CORRUPT';

function corrupt(what: string, problem: string, metadata: Record<string, string>): DataLossError {
  return new DataLossError({
    code: GrpcStatus.DATA_LOSS,
    message: `report ${what}: ${problem}`,
    details: { errorInfo: { reason: REPORT_CORRUPT, domain: 'slipstream.client', metadata } },
  });
}

/**
 * Writes the report's bytes to `toFile` (creating its folder) and resolves
 * with the announced metadata. Rejects with DataLossError (reason
 * REPORT_CORRUPT) when the metadata is missing or the bytes do not match it;
 * nothing is left at `toFile` then.
 */
export async function saveReportStream(
  messages: AsyncIterable<pb.DownloadRunReportResponse>,
  toFile: string,
  what: string,
): Promise<RunReport> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  const report = first.done ? undefined : first.value.report;
  if (report === undefined) {
    await iterator.return?.();
    throw corrupt(what, 'the server sent no report metadata', {});
  }
  const hash = createHash('sha256');
  let size = first.done ? 0 : first.value.chunk.length;
  if (!first.done) hash.update(first.value.chunk);
  const chunks = async function* (): AsyncGenerator<Buffer> {
    if (!first.done && first.value.chunk.length > 0) yield first.value.chunk;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      hash.update(next.value.chunk);
      size += next.value.chunk.length;
      yield next.value.chunk;
    }
  };
  const partial = `${toFile}.part`;
  await mkdir(dirname(toFile), { recursive: true });
  try {
    await pipeline(Readable.from(chunks()), createWriteStream(partial));
    const sha256 = hash.digest('hex');
    if (size !== report.sizeBytes || sha256 !== report.sha256.toLowerCase()) {
      throw corrupt(what, `received ${size} bytes with sha256 ${sha256}, announced ${report.sizeBytes} bytes with sha256 ${report.sha256}`, {
        expectedSize: String(report.sizeBytes),
        receivedSize: String(size),
        expectedSha256: report.sha256,
        receivedSha256: sha256,
      });
    }
    await rename(partial, toFile);
  } catch (error) {
    await iterator.return?.();
    await rm(partial, { force: true });
    throw error;
  }
  return report;
}
