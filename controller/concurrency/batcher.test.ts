import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('sends requests that arrive during a batch together in the next one, per key, results in order', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<string, string>(async (key, requests) => {
      batches.push([key, ...requests]);
      if (batches.length === 1) await gate;
      return requests.map((r) => r.toUpperCase());
    });
    const first = batcher.submit('a', 'x');
    const later = [batcher.submit('a', 'y'), batcher.submit('a', 'z'), batcher.submit('b', 'w')];
    release();
    expect(await Promise.all([first, ...later])).toEqual(['X', 'Y', 'Z', 'W']);
    expect(batches).toEqual([['a', 'x'], ['b', 'w'], ['a', 'y', 'z']]);
  });

  it('rejects every request of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(async (_key, requests) => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
      return requests;
    });
    await expect(batcher.submit('k', 1)).rejects.toThrow('database down');
    await expect(batcher.submit('k', 2)).resolves.toBe(2);
  });
});
