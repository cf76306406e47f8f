/** The README's module examples and the examples/ catalog pass offline validation. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateModule } from '../../common/modules/validate.js';
import { readModuleFiles } from '../../client/module-files/read.js';
import { isValidFile, validateModuleFiles } from '../../client/module-files/validate-files.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('documentation', () => {
  it('every YAML module in the README is valid', async () => {
    const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      const result = await validateModule(parse(block), async () => undefined, { offline: true });
      expect(result.violations, block.slice(0, 80)).toEqual([]);
    }
  });

  it('examples/ is a valid catalog', async () => {
    const files = await readModuleFiles(new URL('../../examples', import.meta.url).pathname);
    const results = await validateModuleFiles(files);
    expect(results.filter((r) => !isValidFile(r))).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(5);
  });
});
