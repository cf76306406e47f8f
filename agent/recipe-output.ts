/**
 * Where a running recipe's output goes: the raw bytes are appended to
 * `<workDir>/logs/<recipe>.log` (the complete output, as `> file 2>&1`
 * would keep it) and each line (capped) is queued for the controller.
 * `write()` says when the file wants the script paused (disk slower than the
 * script), so memory stays bounded here too.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { LogBuffer } from './log-buffer.js';

/** Output of one recipe run (one or several scripts of the same recipe). */
export class RecipeOutput {
  private readonly file: WriteStream;
  private fileError: Error | undefined;
  private now = Date.now();

  constructor(
    path: string,
    private readonly buffer: LogBuffer,
    /** The recipe (`deployment`), used as the lines' phase. */
    readonly phase: string,
  ) {
    this.file = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.file.on('error', (err) => {
      // A full disk must not fail the recipe: lines still reach the controller.
      this.fileError ??= err;
    });
  }

  /** Appends a chunk of raw output to the file; false when the caller should wait for `drained()`. */
  write(chunk: Buffer): boolean {
    this.now = Date.now();
    if (this.fileError) return true;
    return this.file.write(chunk);
  }

  /** Queues one line (of the chunk last written, where it took `bytes`) for the controller. */
  line(stream: 'stdout' | 'stderr', text: string, bytes: number): void {
    this.buffer.push(this.phase, stream, text, this.now, bytes);
  }

  /** A line written by the agent itself about this recipe (to the file only). */
  note(text: string): void {
    if (!this.fileError) this.file.write(`[slipstream-agent] ${text}\n`);
  }

  /** Resolves when the file has room again. */
  drained(): Promise<void> {
    if (this.fileError || !this.file.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.file.off('drain', done);
        this.file.off('error', done);
        resolve();
      };
      this.file.once('drain', done);
      this.file.once('error', done);
    });
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.file.closed || this.file.destroyed) return resolve();
      this.file.once('error', () => resolve());
      this.file.end(() => resolve());
    });
  }
}
