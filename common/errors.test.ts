import { describe, expect, it } from 'vitest';
import { clipText, InvalidArgumentError, SUMMARY_MAX_CHARS, summarizeViolations } from './errors.js';

const violations = (n: number, description = 'unknown parameter') => Array.from({ length: n }, (_, i) => ({ field: `parameters.web:p${i}`, description }));

describe('summarizeViolations', () => {
  it('quotes one violation alone, and up to three of several', () => {
    expect(summarizeViolations(violations(1))).toBe('parameters.web:p0: unknown parameter');
    expect(summarizeViolations(violations(3))).toBe('3 violations: parameters.web:p0: unknown parameter; parameters.web:p1: unknown parameter; parameters.web:p2: unknown parameter');
  });

  it('counts the rest instead of listing thousands: the message is the status message, one trailer', () => {
    const message = new InvalidArgumentError(violations(5000)).message;
    expect(message).toMatch(/^5000 violations: parameters\.web:p0: unknown parameter; .*; and 4997 more$/);
    expect(message.length).toBeLessThan(300);
  });

  it('stays within its bound however long the violations are', () => {
    const message = summarizeViolations(violations(2, 'x'.repeat(100_000)));
    expect(message.length).toBe(SUMMARY_MAX_CHARS);
    expect(message.endsWith('...')).toBe(true);
  });
});

describe('clipText', () => {
  it('leaves short text alone and cuts long text to the bound with an ellipsis', () => {
    expect(clipText('hello', 5)).toBe('hello');
    expect(clipText('hello world', 8)).toBe('hello...');
  });

  it('replaces lone surrogates, also one the cut leaves, so the text can always be percent-encoded', () => {
    expect(() => encodeURI(clipText('a\uD800b', 10))).not.toThrow();
    expect(clipText('a\uD800b', 10)).toBe('a\uFFFDb');
    const cut = clipText(`ab\u{1F600}cdefgh`, 6); // the emoji's high surrogate is the last unit kept
    expect(cut).toBe('ab\uFFFD...');
    expect(() => encodeURI(cut)).not.toThrow();
  });
});
