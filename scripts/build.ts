/**
 * `npm run build`: the installable tree in dist/, run by the package's bins and `npm start`.
 *
 * - every source file of common/, controller/, agent/, client/ and proto/gen/ transpiled to plain ESM one file for
 *   one file (esbuild, no bundling: the layout and the relative imports stay as in the sources; types are checked by
 *   `npm run typecheck`, not here);
 * - the agent bundle (dist/agent.mjs), which the controller serves to VMs: built here, never at controller start;
 * - the CLI as one file (dist/slipstream.mjs, the package's `slipstream`): a command starts in about half the CPU
 *   of the per-file tree, which resolves and reads some 400 files at every start;
 * - the dashboard (dist/web: web/ built by Vite), which the controller serves on its HTTP port;
 * - the files read at run time (the contract's descriptor for reflection);
 * - type declarations for the client library (the package's `exports`).
 *
 * Usage: node --import tsx scripts/build.ts [--out DIR] [--no-types]
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { buildAgentBundle } from '../agent/build.js';
import { buildDashboard } from '../web/build.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_FOLDERS = ['common', 'controller', 'agent', 'client', 'proto/gen'];
/** Sources that are tools or test support, not part of what is installed. */
const LEFT_OUT = [/\.test\.ts$/, /^agent\/testing\//, /^client\/cli\/testing\//, /^agent\/build\.ts$/, /^controller\/store\/create-migration\.ts$/];
/** Files read at run time beside the code that reads them. */
const ASSETS = ['proto/gen/descriptor.binpb'];
/** Entry points run as programs: executable, with their shebang. */
const EXECUTABLES = ['client/cli/bin.js', 'controller/main.js', 'controller/healthcheck.js'];
/** The CLI bundled into one file, beside the tree so that the package's root is found above it. */
const CLI_BUNDLE = 'slipstream.mjs';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' }, 'no-types': { type: 'boolean', default: false } } });
const out = resolve(ROOT, values.out);

async function sourceFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    for (const entry of await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const path = relative(ROOT, join(entry.parentPath, entry.name));
      if (!LEFT_OUT.some((pattern) => pattern.test(path))) files.push(path);
    }
  }
  return files.sort();
}

async function main(): Promise<void> {
  const started = performance.now();
  await rm(out, { recursive: true, force: true });
  const files = await sourceFiles();
  await build({
    absWorkingDir: ROOT,
    entryPoints: files,
    outdir: out,
    outbase: ROOT,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  for (const executable of EXECUTABLES) await chmod(join(out, executable), 0o755);
  for (const asset of ASSETS) {
    await mkdir(dirname(join(out, asset)), { recursive: true });
    await copyFile(join(ROOT, asset), join(out, asset));
  }
  const bundle = await buildAgentBundle(join(out, 'agent.mjs'));
  const dashboard = await buildDashboard(join(out, 'web'));
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['client/cli/bin.ts'],
    outfile: join(out, CLI_BUNDLE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // grpc-js and other CommonJS dependencies call require(): give the ES module one.
    banner: { js: "import { createRequire as __ssCreateRequire } from 'node:module'; const require = __ssCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  await chmod(join(out, CLI_BUNDLE), 0o755);
  if (!values['no-types']) {
    // Only the client library's declarations: what another project imports.
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.client.json'), '--outDir', out], {
      cwd: ROOT,
    }).catch((err: { stdout?: string; message: string }) => {
      // tsc reports type errors on stdout: without them the failure says only which command failed.
      throw new Error(`the client's type declarations: ${err.stdout?.trim() || err.message}`);
    });
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`built ${files.length} files, the agent bundle (${Math.round(bundle.bytes / 1024)} KiB) and the dashboard (${dashboard.files} files) into ${relative(process.cwd(), out) || '.'} in ${seconds} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`build failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
