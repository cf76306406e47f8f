import { describe, expect, it } from 'vitest';
import { LineSplitter, TRUNCATED_MARK } from './line-splitter.js';
import { LogBuffer } from './log-buffer.js';

function split(chunks: (string | Buffer)[], max?: number): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), max);
  for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  s.end();
  return lines;
}

describe('LineSplitter', () => {
  it('splits on newlines across chunks and keeps a last line without newline', () => {
    expect(split(['a\nb', 'c\r\n', '\nlast'])).toEqual(['a', 'bc', '', 'last']);
  });

  it('reassembles multi-byte characters split between chunks', () => {
    const bytes = Buffer.from('héllo wörld\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)])).toEqual(['héllo wörld']);
  });

  it('cuts over-long lines on a character boundary, whole or spread over chunks', () => {
    expect(split(['x'.repeat(20) + '\nok\n'], 16)).toEqual(['x'.repeat(16) + TRUNCATED_MARK, 'ok']);
    expect(split(['ééé\n'], 5)).toEqual(['éé' + TRUNCATED_MARK]);
    expect(split(['é', 'éé', '\n'], 5)).toEqual(['éé' + TRUNCATED_MARK]);
    const pattern = ('short line number one\n' + 'z'.repeat(100_000) + '\n').repeat(3);
    const lines = split([Buffer.from(pattern)]);
    expect(lines.filter((l) => l === 'short line number one')).toHaveLength(3);
    expect(lines.filter((l) => l.endsWith(TRUNCATED_MARK))).toHaveLength(3);
  });

  it('caps long lines and skips the rest of them', () => {
    const lines = split(['x'.repeat(10), 'y'.repeat(10), '\nnext\n'], 16);
    expect(lines).toEqual(['x'.repeat(10) + 'y'.repeat(6) + TRUNCATED_MARK, 'next']);
    const single = split([Buffer.alloc(100_000, 0x61), Buffer.from('\n')]);
    expect(single[0]!.length).toBe(16 * 1024 + TRUNCATED_MARK.length);
  });
});

describe('LineSplitter byte counts', () => {
  /** Each line with the bytes it took; their sum must be every byte fed in. */
  function counted(chunks: (string | Buffer)[], max?: number): [string, number][] {
    const lines: [string, number][] = [];
    const s = new LineSplitter((l, bytes) => lines.push([l, bytes]), max);
    for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    s.end();
    return lines;
  }

  it('gives each line the bytes it took: its newline, a \r and multi-byte characters included, across chunks', () => {
    expect(counted(['a\nb', 'c\r\n', '\nlast'])).toEqual([['a', 2], ['bc', 4], ['', 1], ['last', 4]]);
    expect(counted(['ascii\nhé\nwörld\n€\n'])).toEqual([['ascii', 6], ['hé', 4], ['wörld', 7], ['€', 4]]);
    const bytes = Buffer.from('héllo\nwörld\n');
    expect(counted([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)])).toEqual([['héllo', 7], ['wörld', 7]]);
  });

  it('counts the skipped rest of a cut line, whole or spread over chunks', () => {
    expect(counted(['x'.repeat(20) + '\nok\n'], 16)).toEqual([['x'.repeat(16) + TRUNCATED_MARK, 21], ['ok', 3]]);
    expect(counted(['y'.repeat(10), 'y'.repeat(30), 'y\nok'], 16)).toEqual([['y'.repeat(16) + TRUNCATED_MARK, 42], ['ok', 2]]);
  });

  it('adds up to every byte of a long mixed stream', () => {
    const text = Array.from({ length: 5_000 }, (_, i) => (i % 7 === 0 ? `ünïcode ${i}` : i % 11 === 0 ? 'z'.repeat(40) : `line ${i}\r`)).join('\n');
    const input = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(input.length / 997) }, (_, i) => input.subarray(i * 997, (i + 1) * 997));
    const lines = counted(chunks, 32);
    expect(lines).toHaveLength(5_000);
    expect(lines.reduce((sum, [, bytes]) => sum + bytes, 0)).toBe(input.length);
  });
});

describe('LogBuffer', () => {
  it('drops the oldest lines beyond its capacity and reports the count once', () => {
    const b = new LogBuffer('web.1', 3);
    for (let i = 1; i <= 5; i++) b.push('deployment', 'stdout', `l${i}`);
    expect(b.size).toBe(3);
    const first = b.take(2);
    expect(first.lines.map((l) => l.text)).toEqual(['l3', 'l4']);
    expect(first.dropped).toBe(2);
    expect(first.lines[0]).toMatchObject({ instance: 'web.1', phase: 'deployment', stream: 'stdout' });
    const second = b.take(10);
    expect(second.lines.map((l) => l.text)).toEqual(['l5']);
    expect(second.dropped).toBe(0);
    expect(b.dropped).toBe(2);
    expect(b.pending).toBe(false);
  });

  it('also bounds the characters it keeps', () => {
    const b = new LogBuffer('web.1', 100, 10);
    for (let i = 1; i <= 4; i++) b.push('deployment', 'stderr', `abc${i}`);
    const chunk = b.take(100);
    expect(chunk.lines.map((l) => l.text)).toEqual(['abc3', 'abc4']);
    expect(chunk.dropped).toBe(2);
    expect(chunk.lines[0]!.stream).toBe('stderr');
    b.push('deployment', 'stdout', 'x'.repeat(50));
    expect(b.take(100).lines).toHaveLength(1);
  });

  it('grows past its first allocation keeping the order, even when the ring had wrapped', () => {
    const b = new LogBuffer('web.1', 1000);
    for (let i = 0; i < 50; i++) b.push('deployment', 'stdout', `a${i}`);
    expect(b.take(40).lines).toHaveLength(40);
    // 10 left near the end of the ring; 300 more wrap it and then force it to grow twice.
    for (let i = 0; i < 300; i++) b.push('deployment', i % 2 ? 'stderr' : 'stdout', `b${i}`);
    const chunk = b.take(1000);
    expect(chunk.lines.map((l) => l.text)).toEqual([...Array.from({ length: 10 }, (_, i) => `a${40 + i}`), ...Array.from({ length: 300 }, (_, i) => `b${i}`)]);
    expect(chunk.lines[11]!.stream).toBe('stderr');
    expect(chunk.dropped).toBe(0);
  });
});
