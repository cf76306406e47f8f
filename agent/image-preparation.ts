/**
 * The agent's last act on an image build's VM whose cloud cannot leave the
 * agent's identity out of the image (the plan's `imagePreparation`): once the
 * run is Ready (its reports sent, so the credential is needed no more), run
 * the preparation script in the work dir (it deletes the agent's state with
 * the credential, its boot config with the bootstrap token, cloud-init's
 * cached user-data, and disables the agent's service), then set this
 * instance's `image.prepared` parameter over the session still open (the
 * credential is in memory), so the controller requests the snapshot; the
 * agent then exits without writing anything more to the disk.
 *
 * The script's output is not written to a file (its logs folder is among
 * what it deletes): its lines go to the controller with the other logs.
 */
import { spawn } from 'node:child_process';
import { IMAGE_PREPARED_PARAMETER } from '../common/images/image-preparation.js';
import type { AgentLogger } from './log.js';
import type { LogBuffer } from './log-buffer.js';

/** The log lines' phase. */
export const IMAGE_PREPARATION_PHASE = 'image-preparation';

/** Output lines kept for the abort message of a failing preparation. */
const TAIL_LINES = 10;

/** What the preparation needs. */
export interface ImagePreparationDeps {
  script: string;
  /** Where it runs (the agent's work dir: the script's relative paths are there). */
  workDir: string;
  env: Readonly<Record<string, string | undefined>>;
  logs: LogBuffer;
  log: AgentLogger;
  /** Sets one of this instance's parameters; rejects when the controller refused or could not be reached. */
  setParameter(key: string, value: string, signal: AbortSignal): Promise<void>;
  /** Raises the run's abort flag. */
  abort(message: string, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
}

/** How it ended: the controller was told (`prepared`), the script failed (the run was aborted), or it was stopped. */
export type ImagePreparationOutcome = 'prepared' | 'failed' | 'interrupted';

/** Runs the preparation and tells the controller (see the file comment). Never rejects. */
export async function prepareForImage(deps: ImagePreparationDeps): Promise<ImagePreparationOutcome> {
  const { log, signal } = deps;
  log.info({}, 'preparing this VM to be imaged');
  const result = await runPreparation(deps);
  if (signal.aborted) return 'interrupted';
  if (result.exitCode !== 0) {
    const how = result.startError ? `could not start (${result.startError})` : `failed with exit code ${result.exitCode}`;
    const tail = result.tail.length > 0 ? `; last ${result.tail.length} lines of output:\n${result.tail.join('\n')}` : '';
    const message = `image preparation ${how}${tail}`;
    log.error({ exitCode: result.exitCode }, 'image preparation failed');
    await deps.abort(message, signal).catch((err: unknown) => {
      if (!signal.aborted) log.error({ err: err as Error }, 'raising the abort failed');
    });
    return 'failed';
  }
  try {
    await deps.setParameter(IMAGE_PREPARED_PARAMETER, new Date().toISOString(), signal);
  } catch (err) {
    if (signal.aborted) return 'interrupted';
    // The files are gone already: this agent cannot come back after a restart, so say why the build will not go on.
    log.error({ err: err as Error }, 'telling the controller the VM is prepared failed');
    await deps.abort(`image preparation done, but the controller could not be told: ${(err as Error).message}`, signal).catch(() => undefined);
    return 'failed';
  }
  log.info({}, 'VM prepared to be imaged; the controller was told');
  return 'prepared';
}

interface PreparationResult {
  exitCode: number;
  startError?: string;
  tail: string[];
}

function runPreparation(deps: ImagePreparationDeps): Promise<PreparationResult> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const pending = { stdout: '', stderr: '' };
    const line = (stream: 'stdout' | 'stderr', text: string) => {
      deps.logs.push(IMAGE_PREPARATION_PHASE, stream, text);
      tail.push(text);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    const feed = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      const parts = (pending[stream] + chunk.toString('utf8')).split('\n');
      pending[stream] = parts.pop()!;
      for (const text of parts) line(stream, text);
    };
    const child = spawn('bash', ['-c', deps.script], { cwd: deps.workDir, env: deps.env, stdio: ['ignore', 'pipe', 'pipe'], signal: deps.signal });
    child.stdout.on('data', (chunk: Buffer) => feed('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => feed('stderr', chunk));
    let settled = false;
    const settle = (result: PreparationResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    // Not started (no bash) or killed by the signal: 'close' may not follow.
    child.on('error', (err) => settle({ exitCode: -1, startError: err.message, tail }));
    child.on('close', (code) => {
      for (const stream of ['stdout', 'stderr'] as const) if (pending[stream] !== '') line(stream, pending[stream]);
      settle({ exitCode: code ?? -1, tail });
    });
  });
}
