import { describe, expect, it } from 'vitest';
import { LogBuffer } from './log-buffer.js';

describe('LogBuffer drop counts', () => {
  it('counts the lines dropped before the lines it hands out, their UTF-8 bytes with a newline each, and the last one’s phase', () => {
    const b = new LogBuffer('web.1', 2);
    b.push('install', 'stdout', 'a');
    b.push('deployment', 'stderr', 'é€');
    b.push('deployment', 'stdout', 'kept 1');
    b.push('deployment', 'stdout', 'kept 2');
    const chunk = b.take(10);
    expect(chunk.lines.map((l) => l.text)).toEqual(['kept 1', 'kept 2']);
    // 'a\n' is 2 bytes, 'é€\n' 2 + 3 + 1.
    expect(chunk).toMatchObject({ dropped: 2, droppedBytes: 8, droppedPhase: 'deployment' });
    expect(chunk.lines.every((l) => l.droppedLines === 0 && l.droppedBytes === 0)).toBe(true);
    expect(b.take(10)).toMatchObject({ lines: [], dropped: 0, droppedBytes: 0, droppedPhase: '' });
    expect([b.dropped, b.droppedBytes]).toEqual([2, 8]);
  });

  it('adds up a flood: the lines handed out and the lines dropped are every line pushed, bytes too', () => {
    const b = new LogBuffer('web.1', 1_000, 20_000);
    let printedBytes = 0;
    let shownLines = 0;
    let shownBytes = 0;
    let droppedLines = 0;
    let droppedBytes = 0;
    const ship = (max: number) => {
      const chunk = b.take(max);
      shownLines += chunk.lines.length;
      shownBytes += chunk.lines.reduce((sum, l) => sum + Buffer.byteLength(l.text) + 1, 0);
      droppedLines += chunk.dropped;
      droppedBytes += chunk.droppedBytes;
    };
    for (let i = 0; i < 100_000; i++) {
      const text = `line ${i} ${'x'.repeat(i % 50)}`;
      printedBytes += text.length + 1;
      b.push('deployment', 'stdout', text);
      // A controller slower than the script: 200 lines taken for every 5,000 printed.
      if (i % 5_000 === 4_999) ship(200);
    }
    while (b.pending) ship(200);
    expect(droppedLines).toBeGreaterThan(90_000);
    expect(shownLines + droppedLines).toBe(100_000);
    expect(shownBytes + droppedBytes).toBe(printedBytes);
    expect([b.dropped, b.droppedBytes]).toEqual([droppedLines, droppedBytes]);
  });

  it('reports a drop even when no line is left to send with it', () => {
    const b = new LogBuffer('web.1', 1, 4);
    b.push('deployment', 'stdout', 'abc');
    b.push('deployment', 'stdout', 'abcd');
    const first = b.take(0);
    expect(first).toMatchObject({ lines: [], dropped: 1, droppedBytes: 4, droppedPhase: 'deployment' });
    expect(b.pending).toBe(true);
  });
});
