import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageIsCheckout, packageRoot, packageVersion, runningFromSources } from './package-root.js';

describe('the package this code belongs to', () => {
  it('is the repository when the tests run: its sources, its package.json and its version', () => {
    expect(existsSync(join(packageRoot(), 'package.json'))).toBe(true);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(runningFromSources()).toBe(true);
    expect(packageIsCheckout()).toBe(true);
  });
});
