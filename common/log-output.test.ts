import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LogOutput, type LogStream } from './log-output.js';

/** A stream whose queue the test fills and empties by hand, and that can fail either way a real one does. */
class FakeStream extends EventEmitter implements LogStream {
  readonly written: string[] = [];
  writableLength = 0;
  throwOnWrite: Error | undefined;

  write(chunk: string): boolean {
    if (this.throwOnWrite) throw this.throwOnWrite;
    this.written.push(chunk);
    this.writableLength += chunk.length;
    return true;
  }

  /** The reader caught up: the queue is empty and the stream says so. */
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

describe('LogOutput', () => {
  it('writes lines while the queue has room, then drops and counts them', () => {
    const stream = new FakeStream();
    const output = new LogOutput(stream, { maxQueuedBytes: 10 });
    output.write('12345\n');
    output.write('abcd\n'); // 6 bytes queued: still under 10
    output.write('dropped\n'); // 11 queued: over
    output.write('dropped too\n');

    expect(stream.written).toEqual(['12345\n', 'abcd\n']);
    expect(output.dropped).toBe(2);
    expect(output.broken).toBeUndefined();
    expect(output.summary()).toBe('2 log line(s) dropped: the log output did not keep up');
  });

  it('says how many were dropped once the stream drains, once, and writes again', () => {
    const stream = new FakeStream();
    const resumed: number[] = [];
    const output = new LogOutput(stream, { maxQueuedBytes: 4, onResumed: (dropped) => resumed.push(dropped) });
    output.write('full\n');
    output.write('lost 1\n');
    output.write('lost 2\n');
    output.write('lost 3\n');

    stream.drain();
    expect(resumed).toEqual([3]);
    output.write('back\n');
    expect(stream.written).toEqual(['full\n', 'back\n']);

    // A drain with nothing dropped since the last one says nothing; the total keeps counting.
    stream.drain();
    expect(resumed).toEqual([3]);
    output.write('again\n');
    output.write('lost 4\n');
    stream.drain();
    expect(resumed).toEqual([3, 1]);
    expect(output.dropped).toBe(4);
  });

  it('lets onResumed log through the same output without counting its own line as dropped', () => {
    const stream = new FakeStream();
    const output: LogOutput = new LogOutput(stream, { maxQueuedBytes: 4, onResumed: (dropped) => output.write(`dropped ${dropped}\n`) });
    output.write('full\n');
    output.write('lost\n');
    stream.drain();
    expect(stream.written).toEqual(['full\n', 'dropped 1\n']);
    expect(output.dropped).toBe(1);
  });

  it('stops writing for good on a stream error (EPIPE: the reader is gone) and counts every later line', () => {
    const stream = new FakeStream();
    const resumed: number[] = [];
    const output = new LogOutput(stream, { maxQueuedBytes: 4, onResumed: (dropped) => resumed.push(dropped) });
    output.write('before\n');
    output.write('lost to the full queue\n');
    stream.emit('error', epipe());

    for (let i = 0; i < 5; i++) output.write(`after ${i}\n`);
    // A drain after the failure changes nothing: the stream is not written again, nor is a resume announced.
    stream.drain();
    output.write('after the drain\n');

    expect(stream.written).toEqual(['before\n']);
    expect(resumed).toEqual([]);
    expect(output.broken).toMatchObject({ code: 'EPIPE' });
    expect(output.dropped).toBe(7);
    expect(output.summary()).toBe('7 log line(s) dropped: the log output failed (EPIPE)');
  });

  it('keeps the first failure when more follow', () => {
    const stream = new FakeStream();
    const output = new LogOutput(stream);
    stream.emit('error', epipe());
    stream.emit('error', Object.assign(new Error('bad fd'), { code: 'EBADF' }));
    expect(output.broken).toMatchObject({ code: 'EPIPE' });
  });

  it('treats a write that throws (a synchronous stream: a file) as a failure: that line and every later one counted, nothing thrown', () => {
    const stream = new FakeStream();
    const output = new LogOutput(stream);
    output.write('kept\n');
    stream.throwOnWrite = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect(() => output.write('thrown\n')).not.toThrow();
    stream.throwOnWrite = undefined; // the disk has room again: the output stays broken all the same
    output.write('later\n');

    expect(stream.written).toEqual(['kept\n']);
    expect(output.dropped).toBe(2);
    expect(output.summary()).toBe('2 log line(s) dropped: the log output failed (ENOSPC)');
  });

  it('names a failure without a code by its message, and a thrown non-Error too', () => {
    const stream = new FakeStream();
    const output = new LogOutput(stream);
    stream.throwOnWrite = 'not an error' as unknown as Error;
    output.write('thrown\n');
    expect(output.broken).toBeInstanceOf(Error);
    expect(output.summary()).toBe('1 log line(s) dropped: the log output failed (not an error)');
  });

  it('has nothing to say when nothing was lost', () => {
    const output = new LogOutput(new FakeStream());
    output.write('fine\n');
    expect(output.dropped).toBe(0);
    expect(output.summary()).toBeUndefined();
  });

  it('defaults to 1 MiB of queue', () => {
    const stream = new FakeStream();
    const output = new LogOutput(stream);
    stream.writableLength = 1024 * 1024 - 1;
    output.write('fits\n');
    output.write('does not\n');
    expect(stream.written).toEqual(['fits\n']);
    expect(output.dropped).toBe(1);
  });

  describe('flush', () => {
    it('resolves at once on an empty queue', async () => {
      const output = new LogOutput(new FakeStream());
      const started = Date.now();
      await output.flush(60_000);
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('resolves once the queue empties', async () => {
      const stream = new FakeStream();
      const output = new LogOutput(stream);
      output.write('waiting\n');
      let flushed = false;
      const flushing = output.flush(60_000).then(() => (flushed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(flushed).toBe(false);
      stream.writableLength = 0; // written without a 'drain': no write found the stream over its high-water mark
      await flushing;
      expect(flushed).toBe(true);
    });

    it('resolves when the stream fails while it waits', async () => {
      const stream = new FakeStream();
      const output = new LogOutput(stream);
      output.write('never written\n');
      const flushing = output.flush(60_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      stream.emit('error', epipe());
      await flushing;
      expect(stream.writableLength).toBeGreaterThan(0);
    });

    it('gives up at its timeout on a queue that never empties (a stopped reader)', async () => {
      const stream = new FakeStream();
      const output = new LogOutput(stream);
      output.write('stuck\n');
      const started = Date.now();
      await output.flush(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(stream.writableLength).toBeGreaterThan(0);
    });
  });
});
