import { describe, expect, it } from 'vitest';
import { parseSimScript } from './sim-recipes.js';

describe('parseSimScript', () => {
  it('keeps the parameter commands and repeats, and skips bash', () => {
    const parsed = parseSimScript('set -e\necho hi\nsim-repeat 2\n  ss-set out{i} {now}\nsim-end\nss-get in');
    expect(parsed).toEqual([
      { line: 3, repeat: 2, body: [{ line: 4, words: ['ss-set', 'out{i}', '{now}'], rest: 'out{i} {now}' }] },
      { line: 6, words: ['ss-get', 'in'], rest: 'in' },
    ]);
  });

  it.each([
    ['sim-repeat 2\nss-set x 1', 'line 1: sim-repeat without sim-end'],
    ['sim-end', 'line 1: sim-end without sim-repeat'],
    ['sim-repeat many\nsim-end', "line 1: sim-repeat needs a whole number, not 'many'"],
    ['ss-get', 'line 1: ss-get needs an argument'],
  ])('rejects %j naming the line', (script, message) => {
    expect(() => parseSimScript(script)).toThrow(message);
  });
});
