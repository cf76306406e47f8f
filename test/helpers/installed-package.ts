/**
 * Test helper: the package as a user gets it. Builds the tree into a staging folder (not the checkout's dist/, which
 * a developer may be using, unless CI names the one it has just built: BUILT_DIST_VARIABLE), `npm pack`s it, and
 * installs the tarball globally into a temporary prefix, the way `npm i -g ./slipstream-*.tgz` does: only production
 * dependencies, no tsx, no esbuild, no sources.
 */
import { execFile } from 'node:child_process';
import { access, chmod, cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

export interface InstalledPackage {
  /** The temporary folder holding the tarball, the prefix and anything a test adds. */
  root: string;
  tarball: string;
  /** The `npm i -g --prefix` folder: executables in bin/, the package in lib/node_modules/slipstream. */
  prefix: string;
  /** The installed package's folder. */
  packageDir: string;
  /** The path of an installed executable (`slipstream`, `slipstream-controller`). */
  bin(name: string): string;
}

/**
 * Names a dist/ that `npm run build` made from this checkout just before the tests (CI's build step, .ci/run): it is
 * packed as it is instead of being built a second time by the same scripts/build.ts (30-70 s). Unset, the package is
 * built from the sources into the staging folder.
 */
export const BUILT_DIST_VARIABLE = 'SLIPSTREAM_TEST_BUILT_DIST';

/** What every build holds; a folder without one of them is not a finished build of this tree. */
const BUILD_OUTPUTS = ['slipstream.mjs', 'agent.mjs', 'controller/main.js', 'controller/healthcheck.js', 'client/index.js', 'client/index.d.ts', 'web/index.html', 'proto/gen/descriptor.binpb'];

async function copyBuiltDist(from: string, to: string): Promise<void> {
  const missing: string[] = [];
  for (const output of BUILD_OUTPUTS) await access(join(from, output)).catch(() => missing.push(output));
  if (missing.length > 0) throw new Error(`${BUILT_DIST_VARIABLE}=${from} is not a finished build (no ${missing.join(', ')}): run npm run build, or unset it`);
  await cp(from, to, { recursive: true });
}

export async function packAndInstall(): Promise<InstalledPackage> {
  // Short, so that the agents' sockets stay in their work dirs (a longer path moves them to the temp dir).
  const root = await mkdtemp(join(tmpdir(), 'sspkg-'));
  // A controller run by root runs local VMs as 'nobody', who must pass through to the VMs' folder under it.
  await chmod(root, 0o755);
  const stage = join(root, 'stage');
  for (const path of ['package.json', 'README.md', 'examples']) await cp(join(REPO, path), join(stage, path), { recursive: true });
  const built = process.env[BUILT_DIST_VARIABLE];
  if (built) await copyBuiltDist(resolve(REPO, built), join(stage, 'dist'));
  else await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/build.ts'), '--out', join(stage, 'dist')], { cwd: REPO });
  const npm = { cwd: root, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } };
  await run('npm', ['pack', stage, '--pack-destination', root, '--silent'], npm);
  const tarball = join(root, (await readdir(root)).find((name) => name.endsWith('.tgz'))!);
  const prefix = join(root, 'prefix');
  // The dependencies come from the npm cache that `npm ci` filled: the registry is asked only for what is missing.
  await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', tarball], { ...npm, maxBuffer: 16 * 1024 * 1024 });
  const packageDir = join(prefix, 'lib', 'node_modules', 'slipstream');
  return { root, tarball, prefix, packageDir, bin: (name) => join(prefix, 'bin', name) };
}
