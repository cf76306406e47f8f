import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuiltAgentBundle } from '../agent/build.js';
import { bundleFromSources, type BundleCache } from './agent-bundle-cache.js';

/** A stand-in for esbuild: the bundle is its inputs' contents joined; the test counts its runs. */
function fakeCache(root: string, inputs: string[]): BundleCache & { builds: number; hashed: string[] } {
  const cache = {
    dir: join(root, 'cache'),
    root,
    alsoDependsOn: ['build-options.json'],
    builds: 0,
    // The inputs read and hashed, by path relative to the root: an unchanged one is told by its stat signature, not read.
    hashed: [] as string[],
    hashFile: async (path: string) => {
      cache.hashed.push(path.slice(root.length + 1));
      return createHash('sha256').update(await readFile(path)).digest('hex');
    },
    build: async (path: string): Promise<BuiltAgentBundle> => {
      cache.builds++;
      const content = inputs.map((input) => readFileSync(join(root, input), 'utf8')).join('\n');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      return { path, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex'), inputs };
    },
  };
  return cache;
}

const anHourAgo = () => new Date(Date.now() - 3_600_000);

/** Writes a source file dated an hour ago, as files are that were not edited during a build. */
function writeSource(root: string, name: string, content: string): void {
  writeFileSync(join(root, name), content);
  utimesSync(join(root, name), anHourAgo(), anHourAgo());
}

describe('bundleFromSources', () => {
  const top = mkdtempSync(join(tmpdir(), 'slipstream-bundle-cache-'));
  let root: string;
  let cache: ReturnType<typeof fakeCache>;
  let n = 0;

  beforeEach(() => {
    root = join(top, `case-${++n}`);
    mkdirSync(root);
    writeSource(root, 'main.ts', 'main v1');
    writeSource(root, 'lib.ts', 'lib v1');
    writeSource(root, 'build-options.json', '{"minify":true}');
    cache = fakeCache(root, ['main.ts', 'lib.ts']);
  });

  afterAll(() => rmSync(top, { recursive: true, force: true }));

  const served = (name: string) => join(root, 'data', name, 'agent.mjs');

  it('bundles once, then copies the cached bundle while no input changed, owner-only', async () => {
    const first = await bundleFromSources(served('a'), cache);
    const second = await bundleFromSources(served('b'), cache);
    expect(cache.builds).toBe(1);
    expect(readFileSync(served('b'), 'utf8')).toBe('main v1\nlib v1');
    expect(second.sha256).toBe(first.sha256);
    expect(statSync(served('b')).mode & 0o777).toBe(0o600);
  });

  it('bundles again when a file it was made from changed, and serves the new content', async () => {
    await bundleFromSources(served('a'), cache);
    writeSource(root, 'lib.ts', 'lib v2');
    const after = await bundleFromSources(served('b'), cache);
    expect(cache.builds).toBe(2);
    expect(readFileSync(served('b'), 'utf8')).toBe('main v1\nlib v2');
    expect(after.sha256).toBe(createHash('sha256').update('main v1\nlib v2').digest('hex'));
    await bundleFromSources(served('c'), cache);
    expect(cache.builds).toBe(2);
  });

  it('bundles again when a file of how it is built changed, or one it read is gone', async () => {
    await bundleFromSources(served('a'), cache);
    writeSource(root, 'build-options.json', '{"minify":false}');
    await bundleFromSources(served('b'), cache);
    expect(cache.builds).toBe(2);
    rmSync(join(root, 'lib.ts'));
    cache = fakeCache(root, ['main.ts']);
    await bundleFromSources(served('c'), cache);
    expect(cache.builds).toBe(1);
    expect(readFileSync(served('c'), 'utf8')).toBe('main v1');
  });

  it('does not cache a bundle whose input was written during the build', async () => {
    const build = cache.build;
    cache.build = async (path) => {
      const built = await build(path);
      writeFileSync(join(root, 'lib.ts'), 'lib v2');
      return built;
    };
    await bundleFromSources(served('a'), cache);
    expect(readFileSync(served('a'), 'utf8')).toBe('main v1\nlib v1');
    expect(existsSync(join(cache.dir, 'manifest.json'))).toBe(false);
    cache.build = build;
    await bundleFromSources(served('b'), cache);
    expect(cache.builds).toBe(2);
    expect(readFileSync(served('b'), 'utf8')).toBe('main v1\nlib v2');
  });

  it('bundles again when the manifest is unreadable or names a bundle that was removed', async () => {
    await bundleFromSources(served('a'), cache);
    writeFileSync(join(cache.dir, 'manifest.json'), '{"bundle": ');
    await bundleFromSources(served('b'), cache);
    expect(cache.builds).toBe(2);
    for (const name of readdirSync(cache.dir)) if (name.endsWith('.mjs')) rmSync(join(cache.dir, name));
    await bundleFromSources(served('c'), cache);
    expect(cache.builds).toBe(3);
    expect(readFileSync(served('c'), 'utf8')).toBe('main v1\nlib v1');
  });

  it('removes bundles no manifest names once they are old, keeping the current one', async () => {
    await bundleFromSources(served('a'), cache);
    const [firstBundle] = readdirSync(cache.dir).filter((name) => name.startsWith('agent-'));
    utimesSync(join(cache.dir, firstBundle!), anHourAgo(), anHourAgo());
    writeSource(root, 'main.ts', 'main v2');
    await bundleFromSources(served('b'), cache);
    const bundles = readdirSync(cache.dir).filter((name) => name.startsWith('agent-'));
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).not.toBe(firstBundle);
  });

  it('bundles at every start, owner-only, where the cache folder cannot be made', async () => {
    writeFileSync(join(root, 'not-a-folder'), '');
    cache.dir = join(root, 'not-a-folder', 'cache');
    const build = cache.build;
    cache.build = async (path, options) => {
      expect(options).toEqual({ private: true });
      const built = await build(path);
      chmodSync(path, 0o600);
      return built;
    };
    await bundleFromSources(served('a'), cache);
    await bundleFromSources(served('b'), cache);
    expect(cache.builds).toBe(2);
    expect(readFileSync(served('b'), 'utf8')).toBe('main v1\nlib v1');
  });

  it('does not read an input again while its stat signature is unchanged; a touched one is read and still matches', async () => {
    // Files changed within the edit slack (2 s) before a build are hashed at every start: these are left to age past it.
    await sleep(2_100);
    await bundleFromSources(served('a'), cache);
    expect(cache.hashed.sort()).toEqual(['build-options.json', 'lib.ts', 'main.ts']);
    cache.hashed = [];
    await bundleFromSources(served('b'), cache);
    expect(cache.hashed).toEqual([]);
    expect(cache.builds).toBe(1);
    // Touched, same content: the signature differs, the hash still matches.
    utimesSync(join(root, 'lib.ts'), new Date(), new Date());
    await bundleFromSources(served('c'), cache);
    expect(cache.hashed).toEqual(['lib.ts']);
    expect(cache.builds).toBe(1);
    // Rewritten with the same size and the old times set back: the change time still tells it.
    writeSource(root, 'main.ts', 'main v2');
    await bundleFromSources(served('d'), cache);
    expect(cache.builds).toBe(2);
    expect(readFileSync(served('d'), 'utf8')).toBe('main v2\nlib v1');
  });
});
