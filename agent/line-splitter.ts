/**
 * Splits a byte stream into lines on `\n` (a trailing `\r` is dropped), each
 * capped at 16 KiB of UTF-8: a longer line is cut and marked, and the rest of
 * it is skipped, so a script that prints megabytes without a newline cannot
 * grow the agent's memory. The complete lines of a chunk are decoded at once
 * and sliced, which keeps `yes`-style output cheap. Each line comes with the
 * bytes it took in the stream (newline, `\r` and a cut line's skipped rest
 * included), so that what is dropped later can be counted as printed.
 */

/** The longest line the agent keeps, in UTF-8 bytes. */
export const MAX_LINE_BYTES = 16 * 1024;

/** Appended to a line cut at MAX_LINE_BYTES. */
export const TRUNCATED_MARK = ' [line truncated]';

/**
 * Above this average line length the lines of a chunk are copied instead of
 * sliced: a V8 slice keeps its whole parent string alive, and a few kept
 * lines must not pin whole chunks.
 */
const SLICE_MAX_AVERAGE_CHARS = 1024;

/** Called with each line and the bytes it took in the stream. */
export type LineListener = (text: string, bytes: number) => void;

/** Feeds chunks in, gets whole lines out through `onLine`. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Bytes of the unfinished line so far, the skipped ones included. */
  private partSeen = 0;
  private truncated = false;
  /** Below this many UTF-16 units a string cannot exceed maxBytes of UTF-8 (3 bytes per unit at most). */
  private readonly safeChars: number;

  constructor(
    private readonly onLine: LineListener,
    private readonly maxBytes: number = MAX_LINE_BYTES,
  ) {
    this.safeChars = Math.floor(maxBytes / 3);
  }

  /** Splits `chunk`, calling onLine for every line it completes. */
  push(chunk: Buffer): void {
    const first = chunk.indexOf(10);
    if (first === -1) return this.append(chunk, 0, chunk.length);
    let start = 0;
    if (this.partBytes > 0 || this.truncated) {
      this.append(chunk, 0, first);
      this.emitPartial(1);
      start = first + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      // Complete lines only: a newline byte never occurs inside a multi-byte character.
      const text = chunk.toString('utf8', start, last);
      const lines = text.split('\n');
      const copy = text.length > lines.length * SLICE_MAX_AVERAGE_CHARS;
      // One UTF-16 unit per byte: every line is as long as its bytes (the common case, checked once per chunk).
      const oneBytePerChar = text.length === last - start;
      let lineStart = start;
      for (const line of lines) {
        const lineEnd = oneBytePerChar ? lineStart + line.length : chunk.indexOf(10, lineStart);
        this.emitWhole(copy ? flat(line) : line, lineEnd + 1 - lineStart);
        lineStart = lineEnd + 1;
      }
    }
    if (last + 1 < chunk.length) this.append(chunk, last + 1, chunk.length);
  }

  /** Emits the last line when the stream ended without a newline. */
  end(): void {
    if (this.partBytes > 0 || this.truncated) this.emitPartial(0);
  }

  private emitWhole(line: string, bytes: number): void {
    if (line.length > this.safeChars && Buffer.byteLength(line) > this.maxBytes) {
      this.onLine(cutUtf8(Buffer.from(line, 'utf8'), this.maxBytes) + TRUNCATED_MARK, bytes);
      return;
    }
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, bytes);
  }

  private append(chunk: Buffer, start: number, end: number): void {
    this.partSeen += Math.max(0, end - start);
    if (this.truncated || end <= start) return;
    const room = this.maxBytes + 4 - this.partBytes; // +4: room to finish the last character before cutting
    if (end - start > room) {
      end = start + room;
      this.truncated = true;
    }
    // Copy: the caller's chunk is not ours to keep.
    this.parts.push(Buffer.from(chunk.subarray(start, end)));
    this.partBytes += end - start;
  }

  /** Emits the unfinished line, which took `newline` more bytes (1 when a newline ended it). */
  private emitPartial(newline: number): void {
    const seen = this.partSeen + newline;
    const bytes = Buffer.concat(this.parts, this.partBytes);
    let line: string;
    if (this.truncated || bytes.length > this.maxBytes) {
      line = cutUtf8(bytes, this.maxBytes) + TRUNCATED_MARK;
    } else {
      line = bytes.toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
    }
    this.parts = [];
    this.partBytes = 0;
    this.partSeen = 0;
    this.truncated = false;
    this.onLine(line, seen);
  }
}

/** The first `max` bytes of `bytes` as text, without cutting a character in half. */
function cutUtf8(bytes: Buffer, max: number): string {
  let end = Math.min(max, bytes.length);
  if (end < bytes.length) while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}

/** A copy of `s` that does not share memory with the string it was sliced from. */
function flat(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
