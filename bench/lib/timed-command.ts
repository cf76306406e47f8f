/**
 * One command run to its end, timed like `time` does: wall clock and the
 * user + system CPU of the process (and whatever it waited for). Node cannot
 * read a child's rusage, so bash runs the command and reports what its own
 * `times` and $EPOCHREALTIME saw (bash 5; Linux and macOS both have it).
 */
import { spawn } from 'node:child_process';

/** How a timed command ended. */
export interface TimedExit {
  code: number;
  stdout: string;
  stderr: string;
  /** From just before the command's exec to its exit, as bash saw it (bash's own start is not counted). */
  wallMs: number;
  /** User + system CPU of the command, at the 1 ms resolution of bash's `times`. */
  cpuMs: number;
}

// The report goes to fd 3 so that the command's stdout and stderr stay its own. A locale may print decimal commas.
const WRAPPER = 's=$EPOCHREALTIME; "$@"; rc=$?; e=$EPOCHREALTIME; { times; echo "$s $e $rc"; } >&3';

const seconds = (text: string): number => Number(text.replace(',', '.'));

/** `times` prints `0m0.002s 0m0.000s` (this shell), then the same for its children. */
function childCpuMs(timesLine: string): number {
  const parts = [...timesLine.matchAll(/(\d+)m([\d.,]+)s/g)];
  if (parts.length !== 2) throw new Error(`timed command: cannot read bash's times line '${timesLine}'`);
  return parts.reduce((sum, [, minutes, secs]) => sum + (Number(minutes) * 60 + seconds(secs!)) * 1000, 0);
}

/** Runs `argv` in `cwd` with exactly `env`; rejects when bash cannot run it or it outlasts `timeoutMs`. */
export function timeCommand(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<TimedExit> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', WRAPPER, 'timed', ...argv], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    const chunks: Record<'out' | 'err' | 'report', Buffer[]> = { out: [], err: [], report: [] };
    child.stdout!.on('data', (d: Buffer) => chunks.out.push(d));
    child.stderr!.on('data', (d: Buffer) => chunks.err.push(d));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => chunks.report.push(d));
    const timer = setTimeout(() => {
      // The command is bash's child: end the whole group, not bash alone.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      reject(new Error(`timed command did not end within ${options.timeoutMs} ms: ${argv.join(' ')}`));
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = (b: Buffer[]) => Buffer.concat(b).toString('utf8');
      const lines = text(chunks.report).trim().split('\n');
      if (code !== 0 || lines.length !== 3) {
        reject(new Error(`timed command: bash ended ${code} with report '${lines.join(' | ')}': ${text(chunks.err).slice(0, 500)}`));
        return;
      }
      const [start, end, rc] = lines[2]!.split(' ');
      resolve({
        code: Number(rc),
        stdout: text(chunks.out),
        stderr: text(chunks.err),
        wallMs: (seconds(end!) - seconds(start!)) * 1000,
        cpuMs: childCpuMs(lines[1]!),
      });
    });
  });
}
