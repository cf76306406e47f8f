import { describe, expect, it } from 'vitest';
import { launchEventText } from './launch-event-text.js';

describe('launchEventText', () => {
  it('names the tag and the version it pinned for a launch by tag', () => {
    expect(launchEventText('shop/shop:production', { path: 'shop/shop', version: 7 })).toBe('launched shop/shop:production (@7)');
  });

  it('names the pinned version otherwise', () => {
    expect(launchEventText('shop/shop', { path: 'shop/shop', version: 7 })).toBe('launched shop/shop@7');
    expect(launchEventText('shop/shop@3', { path: 'shop/shop', version: 3 })).toBe('launched shop/shop@3');
  });

  it('names the owner of a module another tenant shares', () => {
    expect(launchEventText('@acme/shop/shop', { path: 'shop/shop', version: 7 }, 'acme')).toBe('launched @acme/shop/shop@7 (shared by tenant acme)');
    expect(launchEventText('@acme/shop/shop:production', { path: 'shop/shop', version: 7 }, 'acme')).toBe(
      'launched @acme/shop/shop:production (@7) (shared by tenant acme)',
    );
  });
});
