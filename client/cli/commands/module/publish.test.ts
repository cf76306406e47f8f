import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { audienceText, parsePublishTarget } from './publish.js';

describe('module publish arguments', () => {
  it('reads PATH as every version and PATH@N as one', () => {
    expect(parsePublishTarget('shop/shop')).toEqual({ path: 'shop/shop' });
    expect(parsePublishTarget('shop/shop@7')).toEqual({ path: 'shop/shop', version: 7 });
  });

  it('refuses a version that is not a number, and leaves @TENANT/... whole for the controller to refuse', () => {
    expect(() => parsePublishTarget('shop/shop@latest')).toThrow(UsageError);
    expect(parsePublishTarget('@acme/shop/shop')).toEqual({ path: '@acme/shop/shop' });
  });

  it('names who reads a publication', () => {
    expect(audienceText([])).toBe('every tenant');
    expect(audienceText(['globex'])).toBe('tenant globex');
    expect(audienceText(['globex', 'initech'])).toBe('tenants globex, initech');
  });
});
