import { expect } from 'vitest';
import { isValidFile, pushOrder, readModuleFiles, validateModuleFiles, type SlipstreamClient } from '../../client/index.js';

/** Saves every module of a folder (examples/shop...), dependencies first, as `slipstream module push` does. */
export async function pushCatalog(client: SlipstreamClient, dir: string, message: string): Promise<void> {
  const results = await validateModuleFiles(await readModuleFiles(dir));
  expect(results.filter((r) => !isValidFile(r))).toEqual([]);
  for (const { document } of pushOrder(results.filter(isValidFile))) await client.modules.save(document, { message });
}
