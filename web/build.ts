/**
 * Builds the dashboard (web/) with Vite into one folder of static files that the controller serves on its HTTP
 * port: index.html and hashed assets, nothing fetched from elsewhere at run time.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(WEB_ROOT, '..');
/** Where the controller looks for the dashboard, relative to the package root (see controller/dashboard). */
export const DASHBOARD_OUT = join(REPO_ROOT, 'dist', 'web');
/** What the dashboard is built from: a change to any of these makes a built copy stale. */
const INPUTS = [join(WEB_ROOT, 'src'), join(WEB_ROOT, 'index.html'), join(REPO_ROOT, 'proto', 'gen', 'es'), join(REPO_ROOT, 'common')];

export async function buildDashboard(outDir: string = DASHBOARD_OUT): Promise<{ outDir: string; files: number }> {
  // Loaded on demand: the controller and the CLI never import Vite.
  const { build } = await import('vite');
  // Built beside and swapped in: a controller starting meanwhile (tests run in parallel) never reads a half-written folder.
  const staging = `${outDir}.building-${process.pid}`;
  const output = await build({
    root: WEB_ROOT,
    configFile: false,
    logLevel: 'warn',
    base: '/',
    build: {
      outDir: staging,
      emptyOutDir: true,
      target: 'es2022',
      // The controller serves these files with a strict Content-Security-Policy: no inline script, no module preload polyfill.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      reportCompressedSize: false,
    },
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  const outputs = Array.isArray(output) ? output : [output];
  const files = outputs.reduce((n, o) => n + ('output' in o ? o.output.length : 0), 0);
  return { outDir, files };
}

/** The newest modification time under the dashboard's inputs. */
function newestInput(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const input of INPUTS) if (existsSync(input)) visit(input);
  return newest;
}

/** Builds the dashboard unless dist/web holds a build newer than every input (tests and the demo run from sources). */
export async function ensureDashboardBuilt(outDir: string = DASHBOARD_OUT): Promise<boolean> {
  const index = join(outDir, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestInput()) return false;
  await buildDashboard(outDir);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  buildDashboard().then(
    ({ outDir, files }) => process.stdout.write(`built the dashboard (${files} files) into ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`),
    (err: unknown) => {
      process.stderr.write(`building the dashboard failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
