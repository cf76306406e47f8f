import { describe, expect, it } from 'vitest';
import { encodeValue, fishQuote, shQuote } from './script-parts.js';

describe('script parts', () => {
  it('encodes values as the words the scripts read back', () => {
    expect(encodeValue({ kind: 'none' })).toBe('none');
    expect(encodeValue({ kind: 'any' })).toBe('any');
    expect(encodeValue({ kind: 'choices', choices: ['table', 'json'] })).toBe('choices table json');
    expect(encodeValue({ kind: 'dynamic', source: 'contexts' })).toBe('dynamic contexts');
  });

  it('refuses a choice the scripts would split', () => {
    expect(() => encodeValue({ kind: 'choices', choices: ['on success'] })).toThrow('one word');
  });

  it('quotes for sh and fish', () => {
    expect(shQuote("your tenant's")).toBe("'your tenant'\\''s'");
    expect(fishQuote("a\\b's")).toBe("'a\\\\b\\'s'");
  });
});
