import { describe, expect, it } from 'vitest';
import { catalogReferenceProblem, formatCatalogReference, isSharedReference, parseCatalogReference } from './shared-refs.js';

describe('shared module references (@TENANT/path)', () => {
  it('parses the tenant prefix in front of every reference form', () => {
    expect(parseCatalogReference('@acme/shop/shop')).toEqual({ tenant: 'acme', path: 'shop/shop' });
    expect(parseCatalogReference('@acme/shop/shop@7')).toEqual({ tenant: 'acme', path: 'shop/shop', version: 7 });
    expect(parseCatalogReference('@acme/shop/shop:production')).toEqual({ tenant: 'acme', path: 'shop/shop', tag: 'production' });
  });

  it('leaves references without the prefix to the catalog grammar', () => {
    expect(parseCatalogReference('shop/shop@2')).toEqual({ path: 'shop/shop', version: 2 });
    expect(isSharedReference('shop/shop')).toBe(false);
    expect(isSharedReference('@x')).toBe(true);
  });

  it('says what is wrong with a malformed shared reference', () => {
    expect(catalogReferenceProblem('@acme')).toMatch(/@TENANT\/path/);
    expect(catalogReferenceProblem('@Acme/shop')).toMatch(/tenant 'Acme' must be a DNS label/);
    expect(catalogReferenceProblem('@/shop')).toMatch(/tenant '' must be a DNS label/);
    expect(catalogReferenceProblem('@acme/shop@0')).toMatch(/version '0'/);
    expect(catalogReferenceProblem('@acme/@beta/shop')).toMatch(/path/);
    expect(parseCatalogReference('@acme/')).toBeUndefined();
  });

  it('writes a reference back as it was read', () => {
    for (const text of ['@acme/shop/shop', '@acme/shop/shop@7', '@acme/shop/shop:stable', 'shop/shop@3']) {
      expect(formatCatalogReference(parseCatalogReference(text)!)).toBe(text);
    }
  });
});
