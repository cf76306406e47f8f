import { describe, expect, it } from 'vitest';
import { cheapestFit } from './sizing.js';

/** Cheapest first, as every driver's table is. */
const TABLE = [
  { name: 'small', cpu: 1, ramGB: 1 },
  { name: 'wide', cpu: 4, ramGB: 2 },
  { name: 'tall', cpu: 2, ramGB: 8 },
  { name: 'big', cpu: 8, ramGB: 32 },
] as const;

const fit = (cpu?: number, ramGB?: number) => cheapestFit(TABLE, { cpu, ramGB })?.name;

describe('cheapestFit', () => {
  it('picks the first type with at least the wanted cpu and ramGB, an exact match included', () => {
    expect(fit(1, 1)).toBe('small');
    expect(fit(3, 2)).toBe('wide');
    expect(fit(2, 3)).toBe('tall');
    expect(fit(4, 8)).toBe('big');
  });

  it('reads an unset value as no lower bound on its dimension', () => {
    expect(fit()).toBe('small');
    expect(fit(undefined, 4)).toBe('tall');
    expect(fit(3)).toBe('wide');
    expect(cheapestFit(TABLE, {})?.name).toBe('small');
  });

  it('breaks a tie by the table order: the type listed first wins, even a larger one', () => {
    // Both 'wide' and 'tall' fit 2 cpu and 2 GB; 'wide' is listed (priced) first.
    expect(fit(2, 2)).toBe('wide');
    const samePrice = [
      { name: 'first', cpu: 4, ramGB: 16 },
      { name: 'second', cpu: 2, ramGB: 4 },
    ];
    expect(cheapestFit(samePrice, { cpu: 2, ramGB: 4 })?.name).toBe('first');
  });

  it('is undefined when no type is that large (the driver refuses the VM with its own error)', () => {
    expect(fit(9)).toBeUndefined();
    expect(fit(undefined, 33)).toBeUndefined();
    expect(fit(8, 33)).toBeUndefined();
    expect(cheapestFit([], {})).toBeUndefined();
  });
});
