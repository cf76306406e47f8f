import { describe, expect, it } from 'vitest';
import { formatDuration, formatMs, formatTime } from './format.js';

describe('formatDuration', () => {
  it('gives tenths below ten seconds, then whole units', () => {
    expect(formatDuration(0)).toBe('0.0s');
    expect(formatDuration(849)).toBe('0.8s');
    expect(formatDuration(9_999)).toBe('9.9s');
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(185_000)).toBe('3m 5s');
    expect(formatDuration(2 * 3_600_000 + 10 * 60_000)).toBe('2h 10m');
    expect(formatDuration(76 * 3_600_000)).toBe('3d 4h');
  });

  it('says nothing for a negative or unknown duration', () => {
    expect(formatDuration(-1)).toBe('');
    expect(formatDuration(Number.NaN)).toBe('');
  });
});

describe('formatTime', () => {
  it('writes a Date and the same instant in ms alike, and nothing for undefined', () => {
    const at = new Date('2026-12-06T21:56:20Z');
    expect(formatTime(at)).toBe(formatMs(at.getTime()));
    expect(formatTime(at)).toMatch(/2026/);
    expect(formatTime(undefined)).toBe('');
    expect(formatMs(undefined)).toBe('');
  });
});
