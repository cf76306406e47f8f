import { createHash, randomBytes } from 'node:crypto';
import { statSync, type BigIntStats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentBundle, BuiltAgentBundle, BundleFileOptions } from '../agent/build.js';
import { packageRoot } from '../common/package-root.js';
import { copyPrebuiltBundle } from './agent-bundle-source.js';

/**
 * The agent bundle of a controller running from sources, kept between starts: esbuild runs again only when a file
 * the last bundle was made from has changed, so an edit to the agent is still what its VMs run. The test suite
 * bundled the agent 179 times in one run, 450 ms each on average, esbuild's threads taking the cores the tests
 * run on.
 */
export interface BundleCache {
  /** Where the bundles and the manifest naming the current one live. */
  dir: string;
  /** What the inputs' paths are relative to. */
  root: string;
  /** Makes a bundle at a path and lists what it read. */
  build: (path: string, options?: BundleFileOptions) => Promise<BuiltAgentBundle>;
  /** Files whose change makes a bundle stale beyond those it read: how it is built. */
  alsoDependsOn: string[];
  /** Reads and hashes an input (sha256, hex). */
  hashFile: (path: string) => Promise<string>;
}

/** What the current bundle was made from, by path. */
interface Manifest {
  bundle: string;
  inputs: Record<string, InputRecord>;
}

/**
 * An input's content hash, and the file's stat signature when it was taken
 * (see statSignature): a file whose signature is unchanged is not read again.
 * A start from sources read and hashed the 191 inputs (2.1 MB, mostly
 * node_modules), 0.36 s of a controller's restart under 10,000 agents.
 */
interface InputRecord {
  sha256: string;
  stat?: string;
}

const MANIFEST = 'manifest.json';
/** Bundles no manifest names are removed once this old: a start that read the manifest before may still copy one. */
const STALE_BUNDLE_AGE_MS = 10 * 60_000;
/**
 * A file modified this close before a build began counts as edited during it: file times come from the kernel's
 * coarse clock, which lags the time a process reads by up to a scheduler tick.
 */
const MTIME_SLACK_MS = 2_000;

export function sourceBundleCache(): BundleCache {
  const root = packageRoot();
  return {
    dir: join(root, 'node_modules', '.cache', 'slipstream-agent'),
    root,
    build: async (path, options) => (await import('../agent/build.js')).buildAgentBundle(path, options),
    alsoDependsOn: ['agent/build.ts', 'node_modules/esbuild/package.json'],
    hashFile: hashOf,
  };
}

/** Puts the agent bundle at `path` (owner-only): the cached one when its inputs are unchanged, else built now and cached. */
export async function bundleFromSources(path: string, cache: BundleCache = sourceBundleCache()): Promise<AgentBundle> {
  // A checkout whose node_modules cannot be written to bundles at every start, as without a cache.
  if (!(await mkdir(cache.dir, { recursive: true }).then(() => true, () => false))) return cache.build(path, { private: true });
  const cached = await currentBundle(cache);
  if (cached) {
    // Removed meanwhile by another start's pruning: built below instead.
    const copied = await copyPrebuiltBundle(cached, path).catch(() => undefined);
    if (copied) return copied;
  }
  const built = await buildIntoCache(cache);
  return copyPrebuiltBundle(built, path);
}

/** The cached bundle's path, when the manifest names one and every file it lists still has the content it had. */
async function currentBundle(cache: BundleCache): Promise<string | undefined> {
  const manifest = await readFile(join(cache.dir, MANIFEST), 'utf8')
    .then((text) => JSON.parse(text) as Manifest)
    .catch(() => undefined);
  if (!manifest || typeof manifest.bundle !== 'string' || typeof manifest.inputs !== 'object' || manifest.inputs === null) return undefined;
  const records = Object.entries(manifest.inputs);
  const unchanged = await Promise.all(records.map(([input, record]) => unchangedSince(join(cache.root, input), record, cache.hashFile)));
  return unchanged.every(Boolean) ? join(cache.dir, manifest.bundle) : undefined;
}

/** True when the file still has the content it was recorded with: by its stat signature when that is unchanged, else by its hash. */
async function unchangedSince(file: string, record: InputRecord, hash: (path: string) => Promise<string>): Promise<boolean> {
  if (typeof record !== 'object' || record === null || typeof record.sha256 !== 'string') return false;
  if (record.stat !== undefined && record.stat === statSignature(file)) return true;
  return (await hash(file).catch(() => undefined)) === record.sha256;
}

/** Builds a bundle into the cache and returns its path; the manifest names it unless an input changed during the build. */
async function buildIntoCache(cache: BundleCache): Promise<string> {
  const startedAt = Date.now();
  const building = join(cache.dir, `building-${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
  const built = await cache.build(building);
  // Named by its content: a manifest written by a concurrent start never names a bundle other than the one it hashed for.
  const bundle = `agent-${built.sha256.slice(0, 24)}.mjs`;
  await rename(building, join(cache.dir, bundle));
  const inputs = [...new Set([...built.inputs, ...cache.alsoDependsOn])];
  const entries = await Promise.all(
    inputs.map(async (input): Promise<readonly [string, InputRecord] | undefined> => {
      const file = join(cache.root, input);
      const before = statSync(file, { bigint: true });
      // Edited while esbuild read it: its hash now may not be what was bundled.
      if (Number(before.mtimeNs / 1_000_000n) >= startedAt - MTIME_SLACK_MS) return undefined;
      const sha256 = await cache.hashFile(file);
      const signature = statSignature(file);
      // Edited while it was hashed.
      if (signature !== signatureOf(before)) return undefined;
      // Changed (content or metadata) this recently, a later edit could leave the same signature: the hash decides then.
      const recent = Number(before.ctimeNs / 1_000_000n) >= startedAt - MTIME_SLACK_MS;
      return [input, recent ? { sha256 } : { sha256, stat: signature }];
    }),
  ).catch(() => undefined);
  if (entries?.every((entry) => entry !== undefined)) {
    const manifest: Manifest = { bundle, inputs: Object.fromEntries(entries) };
    const writing = join(cache.dir, `${MANIFEST}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(writing, JSON.stringify(manifest));
    await rename(writing, join(cache.dir, MANIFEST));
    await pruneBundles(cache.dir, bundle);
  }
  return join(cache.dir, bundle);
}

async function pruneBundles(dir: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir)) {
    if (name === keep || !/^(agent-[0-9a-f]+\.mjs|building-.*\.mjs|manifest\.json\..*\.tmp)$/.test(name)) continue;
    const file = join(dir, name);
    const age = await stat(file).then((s) => now - s.mtimeMs, () => 0);
    if (age > STALE_BUNDLE_AGE_MS) await rm(file, { force: true });
  }
}

/**
 * The file's inode, size, modification and change times (ns), as git's index
 * tells an unchanged file: a write changes the change time, which no one can
 * set back (utimes sets it to now). Undefined when the file is gone.
 */
function statSignature(file: string): string | undefined {
  const stats = statSync(file, { bigint: true, throwIfNoEntry: false });
  return stats && signatureOf(stats);
}

function signatureOf(stats: BigIntStats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

async function hashOf(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}
