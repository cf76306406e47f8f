/**
 * The e2e harness takes down what it started: leaving an `await using`
 * block closes it (runs terminated, clients closed, controller stopped, its
 * data dir removed), and a second close waits for the first.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { component } from './fixtures.js';
import { startHarness } from './harness.js';

describe('startHarness', () => {
  it('is closed at the end of an await using block, once', async () => {
    let closed: (() => Promise<void>) | undefined;
    let dataDir = '';
    {
      await using harness = await startHarness({ database: 'sqlite' });
      ({ dataDir } = harness);
      closed = () => harness.close();
      expect((await harness.client.modules.save(component('harness/c'))).created).toBe(true);
      expect(existsSync(dataDir)).toBe(true);
    }
    expect(existsSync(dataDir)).toBe(false);
    await closed();
  });
});
