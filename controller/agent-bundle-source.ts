import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentBundle } from '../agent/build.js';
import { codeRoot, runningFromSources } from '../common/package-root.js';

/**
 * Puts the agent bundle the controller serves to VMs at `path` (owner-only). Built code copies the bundle its
 * build made (`dist/agent.mjs`): nothing is compiled at start. From the sources (development, tests) the agent is
 * bundled with esbuild, a development dependency, whenever its sources changed since the last bundle, so an edit
 * to the agent is what its VMs run.
 */
export async function provideAgentBundle(path: string): Promise<AgentBundle> {
  if (runningFromSources()) {
    const { bundleFromSources } = await import('./agent-bundle-cache.js');
    return bundleFromSources(path);
  }
  return copyPrebuiltBundle(join(codeRoot(), 'agent.mjs'), path, ' from this build (run npm run build)');
}

/**
 * Copies a bundle built before (the build's, or the bundle cache's) to `path`, owner-only, as a built controller's
 * start does. `missingFrom` ends the message when there is no such file: where it should have come from.
 */
export async function copyPrebuiltBundle(prebuilt: string, path: string, missingFrom = ''): Promise<AgentBundle> {
  const bytes = await readFile(prebuilt).catch((err: unknown) => {
    throw new Error(`the agent bundle ${prebuilt} is missing${missingFrom}: ${(err as Error).message}`);
  });
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  // Written beside it from the bytes read (not read a second time), then renamed over it: replicas sharing a data dir
  // may copy at once while others serve it.
  const copying = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(copying, bytes, { mode: 0o600 });
  await chmod(copying, 0o600);
  await rename(copying, path);
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
