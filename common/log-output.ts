/**
 * Where a program's log lines go when nothing may wait for them (issue 20):
 * a log write never blocks the event loop and never throws. A reader that
 * stops (its pipe fills) costs at most `maxQueuedBytes` of memory, then lines
 * are dropped and counted until the stream drains; a reader that is gone
 * (EPIPE, EBADF, a file that fails) ends the writing for good, every later
 * line counted as dropped. The program keeps doing its job either way.
 *
 * No I/O of its own: it writes to the stream it is given (process.stdout or
 * process.stderr, which Node makes asynchronous for pipes and sockets and
 * synchronous for files).
 */

/** What LogOutput needs of a stream: a Writable such as process.stdout. */
export interface LogStream {
  write(chunk: string): boolean;
  readonly writableLength: number;
  on(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'drain', listener: () => void): unknown;
}

/** Options of LogOutput. */
export interface LogOutputOptions {
  /** Bytes that may wait in the stream before lines are dropped; default 1 MiB. */
  maxQueuedBytes?: number;
  /**
   * Called once the stream has drained after lines were dropped for want of
   * room, with how many were: the place to log that they were.
   */
  onResumed?: (dropped: number) => void;
}

const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

/** A non-blocking, dropping destination of log lines (pino's DestinationStream). */
export class LogOutput {
  private droppedTotal = 0;
  private droppedSinceResume = 0;
  private failure: Error | undefined;
  private readonly maxQueuedBytes: number;

  constructor(
    private readonly stream: LogStream,
    private readonly options: LogOutputOptions = {},
  ) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    stream.on('error', (err) => this.fail(err));
    stream.on('drain', () => this.resumed());
  }

  /** Writes one line (with its newline), or drops and counts it. */
  write(line: string): void {
    if (this.failure) {
      this.droppedTotal += 1;
      return;
    }
    if (this.stream.writableLength >= this.maxQueuedBytes) {
      this.droppedTotal += 1;
      this.droppedSinceResume += 1;
      return;
    }
    try {
      this.stream.write(line);
    } catch (err) {
      // A synchronous stream (a file) throws instead of emitting 'error'.
      this.droppedTotal += 1;
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Lines dropped so far, for want of room or of a reader. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Why writing stopped for good (e.g. EPIPE: the reader is gone); undefined while it works. */
  get broken(): Error | undefined {
    return this.failure;
  }

  /**
   * Resolves once what waits in the stream is written, the stream failed, or
   * `timeoutMs` passed (a stopped reader must not hold up an exit).
   */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Polled: 'drain' is only emitted after a write that found the stream over its high-water mark, and an EPIPE
    // while waiting emits 'error' instead.
    while (!this.failure && this.stream.writableLength > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** One line for a person about what was lost, or undefined when nothing was. */
  summary(): string | undefined {
    if (this.droppedTotal === 0 && !this.failure) return undefined;
    const why = this.failure ? `the log output failed (${errorCode(this.failure)})` : 'the log output did not keep up';
    return `${this.droppedTotal} log line(s) dropped: ${why}`;
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }

  private resumed(): void {
    if (this.droppedSinceResume === 0 || this.failure) return;
    const dropped = this.droppedSinceResume;
    this.droppedSinceResume = 0;
    this.options.onResumed?.(dropped);
  }
}

function errorCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.message;
}
