import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from './time-ordered-id.js';

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID of the RFC 9562 variant, carrying the time in milliseconds', () => {
    const at = Date.UTC(2026, 10, 27, 8, 0, 0, 123);
    const id = timeOrderedUuid(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by time across milliseconds, and ids of one millisecond differ', () => {
    const earlier = timeOrderedUuid(1_000);
    const later = timeOrderedUuid(1_001);
    expect(earlier < later).toBe(true);
    const same = new Set(Array.from({ length: 10_000 }, () => timeOrderedUuid(5_000)));
    expect(same.size).toBe(10_000);
  });

  it('draws every random digit, and the variant, from the whole range (across refills of its random pool)', () => {
    const seen = new Map<number, Set<string>>();
    for (let i = 0; i < 5_000; i++) {
      const id = timeOrderedUuid(7_000 + (i % 3));
      for (let place = 14; place < 36; place++) {
        if (!seen.has(place)) seen.set(place, new Set());
        seen.get(place)!.add(id[place]!);
      }
    }
    expect(seen.get(14)).toEqual(new Set(['7']));
    expect(seen.get(19)).toEqual(new Set(['8', '9', 'a', 'b']));
    for (const place of [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)]) expect(seen.get(place)!.size).toBe(16);
  });
});
