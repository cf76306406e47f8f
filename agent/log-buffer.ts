/**
 * The bounded queue of script output lines waiting to be sent to the
 * controller. When it is full the oldest line is dropped and counted, so a
 * noisy script (`yes`) or a long disconnection costs a fixed amount of memory;
 * the count (lines, bytes, phase) travels in the next LogBatch, whose lines
 * follow the gap: the controller puts a marker there.
 */
import type { LogLine } from '../proto/gen/slipstream/v1/runs.js';
import { outputStreamToProto } from '../common/convert/output-streams.js';

/** Lines kept by default. */
export const DEFAULT_LOG_BUFFER_LINES = 10_000;

/** Slots allocated before the first line. */
const INITIAL_SLOTS = 64;

/** Characters of text kept by default (lines are up to 16 KiB: the line count alone does not bound memory). */
export const DEFAULT_LOG_BUFFER_CHARS = 4 * 1024 * 1024;

/** What `take` returns: the oldest lines and what was dropped right before them, since the last take. */
export interface LogChunk {
  lines: LogLine[];
  /** Lines dropped. */
  dropped: number;
  /** Their bytes as the script printed them, newlines included. */
  droppedBytes: number;
  /** The phase of the last line dropped; empty when none was. */
  droppedPhase: string;
}

/** A ring buffer of output lines for one instance. */
export class LogBuffer {
  // Parallel arrays instead of one object per line: a noisy script pushes millions of lines.
  // They start small and double up to `capacity`: a quiet agent does not pay for a noisy one's buffer.
  private texts: (string | undefined)[];
  private phases: (string | undefined)[];
  private streams: Uint8Array;
  private times: Float64Array;
  private byteCounts: Float64Array;
  private head = 0;
  private count = 0;
  private chars = 0;
  private droppedSinceTake = 0;
  private droppedBytesSinceTake = 0;
  private droppedPhase = '';
  private droppedTotal = 0;
  private droppedBytesTotal = 0;
  private listener: ((size: number) => void) | undefined;

  constructor(
    private readonly instance: string,
    readonly capacity: number = DEFAULT_LOG_BUFFER_LINES,
    readonly maxChars: number = DEFAULT_LOG_BUFFER_CHARS,
  ) {
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.texts = new Array<string | undefined>(slots).fill(undefined);
    this.phases = new Array<string | undefined>(slots).fill(undefined);
    this.streams = new Uint8Array(slots);
    this.times = new Float64Array(slots);
    this.byteCounts = new Float64Array(slots);
  }

  private get slots(): number {
    return this.times.length;
  }

  /** Doubles the ring (up to capacity), oldest line first at slot 0. */
  private grow(): void {
    const slots = Math.min(this.capacity, this.slots * 2);
    const order = Array.from({ length: this.count }, (_, i) => (this.head + i) % this.slots);
    const texts = new Array<string | undefined>(slots).fill(undefined);
    const phases = new Array<string | undefined>(slots).fill(undefined);
    const streams = new Uint8Array(slots);
    const times = new Float64Array(slots);
    const byteCounts = new Float64Array(slots);
    order.forEach((from, to) => {
      texts[to] = this.texts[from];
      phases[to] = this.phases[from];
      streams[to] = this.streams[from]!;
      times[to] = this.times[from]!;
      byteCounts[to] = this.byteCounts[from]!;
    });
    this.texts = texts;
    this.phases = phases;
    this.streams = streams;
    this.times = times;
    this.byteCounts = byteCounts;
    this.head = 0;
  }

  /**
   * Queues one line (printed at `time`, epoch ms, taking `bytes` in the
   * script's output: by default its UTF-8 and a newline); when full (lines or
   * characters), drops the oldest.
   */
  push(phase: string, stream: 'stdout' | 'stderr', text: string, time: number = Date.now(), bytes: number = Buffer.byteLength(text) + 1): void {
    while (this.count > 0 && (this.count === this.capacity || this.chars + text.length > this.maxChars)) this.dropOldest();
    if (this.count === this.slots) this.grow();
    const slot = (this.head + this.count) % this.slots;
    this.count++;
    this.chars += text.length;
    this.texts[slot] = text;
    this.phases[slot] = phase;
    this.streams[slot] = stream === 'stderr' ? 1 : 0;
    this.times[slot] = time;
    this.byteCounts[slot] = bytes;
    this.listener?.(this.count);
  }

  private dropOldest(): void {
    const text = this.texts[this.head]!;
    const bytes = this.byteCounts[this.head]!;
    this.chars -= text.length;
    this.droppedBytesSinceTake += bytes;
    this.droppedBytesTotal += bytes;
    this.droppedPhase = this.phases[this.head]!;
    this.texts[this.head] = undefined;
    this.phases[this.head] = undefined;
    this.head = (this.head + 1) % this.slots;
    this.count--;
    this.droppedSinceTake++;
    this.droppedTotal++;
  }

  /** Removes and returns up to `max` of the oldest lines. */
  take(max: number): LogChunk {
    const n = Math.min(max, this.count);
    const lines: LogLine[] = new Array<LogLine>(n);
    for (let i = 0; i < n; i++) {
      const slot = this.head;
      lines[i] = {
        instance: this.instance,
        phase: this.phases[slot]!,
        ...outputStreamToProto(this.streams[slot] === 1 ? 'stderr' : 'stdout'),
        text: this.texts[slot]!,
        time: new Date(this.times[slot]!),
        droppedLines: 0,
        droppedBytes: 0,
      };
      this.chars -= lines[i]!.text.length;
      this.texts[slot] = undefined;
      this.phases[slot] = undefined;
      this.head = (this.head + 1) % this.slots;
    }
    this.count -= n;
    const chunk = { lines, dropped: this.droppedSinceTake, droppedBytes: this.droppedBytesSinceTake, droppedPhase: this.droppedSinceTake > 0 ? this.droppedPhase : '' };
    this.droppedSinceTake = 0;
    this.droppedBytesSinceTake = 0;
    return chunk;
  }

  /** Lines waiting. */
  get size(): number {
    return this.count;
  }

  /** True when there are lines or an unreported drop count. */
  get pending(): boolean {
    return this.count > 0 || this.droppedSinceTake > 0;
  }

  /** Lines dropped since the agent started. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Their bytes as printed, newlines included. */
  get droppedBytes(): number {
    return this.droppedBytesTotal;
  }

  /** Called with the new size after every push (the shipper sends early at its batch size). */
  onPush(listener: ((size: number) => void) | undefined): void {
    this.listener = listener;
  }
}
