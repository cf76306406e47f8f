/**
 * The SendingReports upload: a `.tar.gz` of `<workDir>/logs` and
 * `<workDir>/reports` made with the system `tar`, streamed to
 * `AgentService/UploadReport` in 64 KiB chunks (name first).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AgentServiceClient, UploadReportResponse } from '../proto/gen/slipstream/v1/agent.js';
import { bearer } from './channel.js';
import type { AgentPaths } from './paths.js';

/** Bytes per upload message. */
export const REPORT_CHUNK_BYTES = 64 * 1024;

/** Makes `<tmpDir>/<name>` from the logs and reports folders; resolves with its path. */
export async function createReportTarball(paths: AgentPaths, name: string): Promise<string> {
  const file = join(paths.tmpDir, name);
  const args = ['-czf', file, '-C', paths.workDir, basename(paths.logsDir), basename(paths.reportsDir)];
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (text.length < 4096) text += d;
    });
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stderr: text }));
  });
  // GNU tar exits 1 when a file changed while being read (a log still being written): the archive is fine.
  if (code !== 0 && code !== 1) throw new Error(`tar exited with code ${code}: ${stderr.trim()}`);
  await stat(file);
  return file;
}

/** Streams `file` to UploadReport as `name`: its size first, then its bytes, then their sha256. */
export async function uploadReport(
  client: AgentServiceClient,
  credential: string,
  file: string,
  name: string,
  signal: AbortSignal,
): Promise<UploadReportResponse> {
  const { size } = await stat(file);
  return new Promise((resolve, reject) => {
    const call = client.uploadReport(bearer(credential), (err, response) => {
      signal.removeEventListener('abort', cancel);
      if (err) reject(err);
      else resolve(response);
    });
    const cancel = (): void => {
      input.destroy();
      call.cancel();
    };
    const input = createReadStream(file, { highWaterMark: REPORT_CHUNK_BYTES });
    const hash = createHash('sha256');
    signal.addEventListener('abort', cancel, { once: true });
    // The size first, the hash last: the controller stores the report only if it got exactly these bytes.
    call.write({ name, chunk: Buffer.alloc(0), size, sha256: '' });
    input.on('data', (chunk) => {
      hash.update(chunk as Buffer);
      if (!call.write({ name: '', chunk: chunk as Buffer, size: 0, sha256: '' })) {
        input.pause();
        call.once('drain', () => input.resume());
      }
    });
    input.once('end', () => {
      call.write({ name: '', chunk: Buffer.alloc(0), size: 0, sha256: hash.digest('hex') });
      call.end();
    });
    input.once('error', (err) => {
      call.cancel();
      reject(err);
    });
  });
}
