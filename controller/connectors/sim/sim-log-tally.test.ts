import { describe, expect, it } from 'vitest';
import { LogTally, MAX_LOG_KINDS, mergeLogKinds } from './sim-log-tally.js';

const line = (level: string, msg: string, extra: Record<string, unknown> = {}) => `${JSON.stringify({ time: 't', level, msg, ...extra })}\n`;

describe('sim agent log tally', () => {
  it('counts lines by level and message, keeping the first of each verbatim, most frequent first', () => {
    const tally = new LogTally();
    tally.add(line('warn', 'session lost; reconnecting', { attempt: 1 }));
    tally.add(line('error', 'agent failed'));
    tally.add(line('warn', 'session lost; reconnecting', { attempt: 2 }));
    expect(tally.list()).toEqual([
      { level: 'warn', msg: 'session lost; reconnecting', count: 2, first: line('warn', 'session lost; reconnecting', { attempt: 1 }).trimEnd() },
      { level: 'error', msg: 'agent failed', count: 1, first: line('error', 'agent failed').trimEnd() },
    ]);
  });

  it('counts a line that is not a logger record under its own text', () => {
    const tally = new LogTally();
    tally.add('not json\n');
    tally.add('{"level":3}');
    expect(tally.list()).toEqual([
      { level: 'unknown', msg: '{"level":3}', count: 1, first: '{"level":3}' },
      { level: 'unknown', msg: 'not json', count: 1, first: 'not json' },
    ]);
  });

  it('keeps at most MAX_LOG_KINDS kinds and counts the rest together', () => {
    const tally = new LogTally();
    for (let i = 0; i < MAX_LOG_KINDS + 5; i++) tally.add(line('warn', `message ${i}`));
    const kinds = tally.list();
    expect(kinds).toHaveLength(MAX_LOG_KINDS + 1);
    expect(kinds[0]).toMatchObject({ level: 'mixed', count: 5, first: line('warn', `message ${MAX_LOG_KINDS}`).trimEnd() });
    expect(kinds.reduce((sum, k) => sum + k.count, 0)).toBe(MAX_LOG_KINDS + 5);
  });

  it('merges workers’ tallies: counts add up, the first line comes from the first worker that saw the kind', () => {
    const a = new LogTally();
    a.add(line('warn', 'x', { from: 'a' }));
    const b = new LogTally();
    b.add(line('warn', 'x', { from: 'b' }));
    b.add(line('warn', 'x', { from: 'b' }));
    b.add(line('error', 'y'));
    expect(mergeLogKinds([a.list(), b.list()])).toEqual([
      { level: 'warn', msg: 'x', count: 3, first: line('warn', 'x', { from: 'a' }).trimEnd() },
      { level: 'error', msg: 'y', count: 1, first: line('error', 'y').trimEnd() },
    ]);
  });
});
