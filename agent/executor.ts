/**
 * Runs one recipe script: written to a file and run as `bash FILE` (the author
 * decides about `set -e`; a script with its own `#!` line is executed
 * directly), in `<workDir>/home`, in its own process group so an abort kills
 * it and everything it started at once. Output is split into lines for the
 * controller and the recipe's log file.
 */
import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineSplitter } from './line-splitter.js';
import type { RecipeOutput } from './recipe-output.js';

/** Output lines kept for the abort message of a failing script. */
export const TAIL_LINES = 10;

/** How long to wait for output still in the pipes after the script exited. */
const PIPE_GRACE_MS = 200;

/** One script to run. */
export interface ScriptSpec {
  /** The recipe (`deployment`), for file names. */
  recipe: string;
  /** Position of the script in its recipe (parent first). */
  index: number;
  /** `module/path@version`, for messages. */
  source: string;
  script: string;
}

/** Where and how scripts run. */
export interface ExecutorOptions {
  scriptsDir: string;
  cwd: string;
  env: Record<string, string>;
  output: RecipeOutput;
  /** Aborting kills the script's whole process group (SIGKILL). */
  signal?: AbortSignal;
}

/** How a script ended. */
export interface ScriptResult {
  /** Exit code; null when killed by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Ended because `signal` aborted. */
  killed: boolean;
  /** The script could not be started (message). */
  startError?: string;
  /** The last TAIL_LINES lines of output, stdout and stderr interleaved. */
  tail: string[];
}

/** Runs `spec` to completion (or until killed). Never rejects for script failures. */
export async function runScript(spec: ScriptSpec, options: ExecutorOptions): Promise<ScriptResult> {
  const tail: string[] = [];
  if (options.signal?.aborted) return { exitCode: null, signal: null, killed: true, tail };
  const file = join(options.scriptsDir, `${spec.recipe}-${spec.index}.sh`);
  await writeFile(file, spec.script.endsWith('\n') ? spec.script : spec.script + '\n', { mode: 0o700 });
  await chmod(file, 0o700);
  const [command, args] = spec.script.startsWith('#!') ? [file, []] : ['bash', [file]];
  const { output } = options;

  return new Promise<ScriptResult>((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let killed = false;
    const kill = (): void => {
      killed = true;
      if (child.pid !== undefined) killProcessGroup(child.pid);
    };
    options.signal?.addEventListener('abort', kill, { once: true });

    // A ring of the last lines: cheap even for millions of lines.
    const ring: string[] = [];
    let written = 0;
    const remember = (text: string): void => {
      ring[written++ % TAIL_LINES] = text;
    };
    const pipes = [
      { stream: child.stdout!, name: 'stdout' as const },
      { stream: child.stderr!, name: 'stderr' as const },
    ].map(({ stream, name }) => {
      const splitter = new LineSplitter((text, bytes) => {
        output.line(name, text, bytes);
        remember(text);
      });
      stream.on('data', (chunk: Buffer) => {
        const room = output.write(chunk);
        splitter.push(chunk);
        if (!room) {
          child.stdout!.pause();
          child.stderr!.pause();
          void output.drained().then(() => {
            child.stdout!.resume();
            child.stderr!.resume();
          });
        }
      });
      const closed = new Promise<void>((r) => stream.once('close', r));
      return { stream, splitter, closed };
    });

    let settled = false;
    const finish = async (result: Omit<ScriptResult, 'tail' | 'killed'>): Promise<void> => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', kill);
      // Background children may keep the pipes open: take what is there, then let go.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pipes.map((p) => p.closed)),
        new Promise<void>((r) => (timer = setTimeout(r, PIPE_GRACE_MS))),
      ]);
      clearTimeout(timer);
      for (const p of pipes) {
        p.stream.destroy();
        p.splitter.end();
      }
      for (let i = Math.max(0, written - TAIL_LINES); i < written; i++) tail.push(ring[i % TAIL_LINES]!);
      resolve({ ...result, killed, tail });
    };
    child.once('error', (err) => void finish({ exitCode: null, signal: null, startError: err.message }));
    child.once('exit', (code, signal) => void finish({ exitCode: code, signal }));
  });
}

/** SIGKILLs every process of the group at once (the script and what it started in its group). */
export function killProcessGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}
