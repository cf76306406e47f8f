/**
 * Ships the LogBuffer to the controller as LogBatch messages: a line waits at
 * most 100 ms, and 200 waiting lines go at once. One batch is in flight at a
 * time (the next waits for the stream's write callback), so gRPC's own
 * buffers never grow: when the controller is slower than a script, the
 * LogBuffer drops. The timer runs only while lines wait: an idle agent (or a
 * sim worker's thousands of them) does not wake ten times a second for nothing.
 */
import type { LogBatch } from '../proto/gen/slipstream/v1/agent.js';
import type { LogBuffer } from './log-buffer.js';

/** Writes one batch; calls `done` when the stream took it. */
export type BatchWriter = (batch: LogBatch, done: () => void) => void;

/** Batching knobs. */
export interface LogShipperOptions {
  batchLines: number;
  intervalMs: number;
}

/** Default batching: 200 lines or 100 ms. */
export const DEFAULT_LOG_SHIPPING: Readonly<LogShipperOptions> = Object.freeze({ batchLines: 200, intervalMs: 100 });

/** Moves lines from the buffer to whichever stream is attached. */
export class LogShipper {
  private writer: BatchWriter | undefined;
  private inFlight = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly buffer: LogBuffer,
    private readonly options: LogShipperOptions = DEFAULT_LOG_SHIPPING,
  ) {
    buffer.onPush((size) => {
      if (size >= this.options.batchLines) this.schedule();
      else this.arm();
    });
  }

  /** Starts shipping to `writer` (a freshly welcomed session). */
  attach(writer: BatchWriter): void {
    this.writer = writer;
    this.inFlight = false;
    this.schedule();
  }

  /** Stops shipping (the stream ended); lines keep accumulating in the buffer. */
  detach(): void {
    this.writer = undefined;
    this.inFlight = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeIdle();
  }

  /**
   * Writes every waiting line now, ahead of a message that must follow them on
   * the stream (a phase's completion, an abort): the controller journals a
   * phase's output before it acts on the phase's end, after which the VM may
   * be gone.
   */
  writeWaiting(): void {
    const writer = this.writer;
    while (writer && this.buffer.pending) {
      const batch = this.buffer.take(this.options.batchLines);
      this.inFlight = true;
      writer(batch, () => this.written(writer));
    }
  }

  /** Resolves when the buffer is empty and nothing is in flight, or after `timeoutMs`, or when detached. */
  flush(timeoutMs: number): Promise<void> {
    if (!this.writer || this.idle()) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private idle(): boolean {
    return !this.inFlight && !this.buffer.pending;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.ship();
    });
  }

  /** Ships within the interval, unless a shipment is already due. */
  private arm(): void {
    if (this.timer || !this.writer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ship();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private ship(): void {
    const writer = this.writer;
    if (!writer || this.inFlight) return;
    if (!this.buffer.pending) return this.wakeIdle();
    const batch = this.buffer.take(this.options.batchLines);
    this.inFlight = true;
    writer(batch, () => this.written(writer));
  }

  private written(writer: BatchWriter): void {
    if (this.writer !== writer) return;
    this.inFlight = false;
    if (this.buffer.size >= this.options.batchLines || this.idleWaiters.length > 0) this.schedule();
    else if (this.buffer.pending) this.arm();
    if (this.idle()) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
