/**
 * Saves one report tarball: DownloadRunReport streams its metadata, then its bytes in chunks; they are assembled
 * into a Blob and handed to the browser's download through an object URL, revoked afterwards.
 */
import type { RunReport } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { api } from '../api/clients.js';

/**
 * How long the object URL outlives the click: the browser reads the Blob after the click returns, and a revoked URL
 * would fail the download. Revoking it at all frees the Blob's memory.
 */
const REVOKE_AFTER_MS = 60_000;

/** Downloads the report and saves it as `<instance>-<name>`; rejects with the API's error, or when bytes are missing. */
export async function saveReport(runId: string, report: RunReport, onProgress: (bytes: number) => void, signal: AbortSignal): Promise<void> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let expected = report.sizeBytes;
  let received = 0;
  for await (const message of api.runs.downloadRunReport({ id: runId, instance: report.instance, name: report.name }, { signal })) {
    if (message.report) expected = message.report.sizeBytes;
    if (message.chunk.length > 0) {
      chunks.push(new Uint8Array(message.chunk));
      received += message.chunk.length;
      onProgress(received);
    }
  }
  if (BigInt(received) !== expected) throw new Error(`the download of ${report.name} ended after ${received} of ${expected} bytes; try again`);
  const url = URL.createObjectURL(new Blob(chunks, { type: 'application/gzip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${report.instance}-${report.name}`;
  link.hidden = true;
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
