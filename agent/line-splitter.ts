/**
 * Splits a byte stream into lines on `\n` (a trailing `\r` is dropped), each
 * capped at 16 KiB of UTF-8: a longer line is cut and marked, and the rest of
 * it is skipped, so a script that prints megabytes without a newline cannot
 * grow the agent's memory. Each chunk is decoded once (multi-byte characters
 * split between chunks are kept whole), which keeps `yes`-style output cheap.
 */
import { StringDecoder } from 'node:string_decoder';

/** The longest line the agent keeps, in UTF-8 bytes. */
export const MAX_LINE_BYTES = 16 * 1024;

/** Appended to a line cut at MAX_LINE_BYTES. */
export const TRUNCATED_MARK = ' [line truncated]';

/** Feeds chunks in, gets whole lines out through `onLine`. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private truncated = false;
  /** Below this many UTF-16 units a string cannot exceed maxBytes of UTF-8 (3 bytes per unit at most). */
  private readonly safeChars: number;

  constructor(
    private readonly onLine: (text: string) => void,
    private readonly maxBytes: number = MAX_LINE_BYTES,
  ) {
    this.safeChars = Math.floor(maxBytes / 3);
  }

  /** Splits `chunk`, calling onLine for every line it completes. */
  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      if (this.partial === '' && !this.truncated) {
        this.emitWhole(text.slice(start, nl));
      } else {
        this.append(text.slice(start, nl));
        this.emitPartial();
      }
      start = nl + 1;
    }
    if (start < text.length) this.append(text.slice(start));
  }

  /** Emits the last line when the stream ended without a newline. */
  end(): void {
    const rest = this.decoder.end();
    if (rest) this.append(rest);
    if (this.partial !== '' || this.truncated) this.emitPartial();
  }

  private emitWhole(line: string): void {
    if (line.length > this.safeChars && Buffer.byteLength(line) > this.maxBytes) {
      this.onLine(this.cut(line) + TRUNCATED_MARK);
      return;
    }
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  private append(piece: string): void {
    if (this.truncated) return;
    const joined = this.partial + piece;
    if (joined.length > this.safeChars && Buffer.byteLength(joined) > this.maxBytes) {
      this.partial = this.cut(joined);
      this.truncated = true;
    } else {
      this.partial = joined;
    }
  }

  private emitPartial(): void {
    const line = this.truncated ? this.partial + TRUNCATED_MARK : this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    this.partial = '';
    this.truncated = false;
    this.onLine(line);
  }

  /** The longest prefix of `text` that fits maxBytes, without splitting a character. */
  private cut(text: string): string {
    const bytes = Buffer.from(text.slice(0, this.maxBytes), 'utf8');
    let end = Math.min(this.maxBytes, bytes.length);
    // Step back over UTF-8 continuation bytes so no character is cut in half.
    if (end < bytes.length) while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    return bytes.toString('utf8', 0, end);
  }
}
