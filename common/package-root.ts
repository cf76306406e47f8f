import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the installed package: the repository when running from sources, the package folder
 * (node_modules/slipstream) when installed. The code runs from sources (common/) or from the build (dist/common/),
 * so the package.json is found by walking up rather than at a fixed depth.
 */
export function packageRoot(): string {
  return (cachedRoot ??= findPackageRoot(dirname(fileURLToPath(import.meta.url))));
}

/** The version this package was released as (package.json). */
export function packageVersion(): string {
  return (cachedVersion ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}

/**
 * The folder holding the tree this module runs from: `<package>/dist` when built, the package root from the sources.
 * Not for the bundled CLI (dist/slipstream.mjs), where this module has no folder of its own.
 */
export function codeRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

let cachedRoot: string | undefined;
let cachedVersion: string | undefined;

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** True when this process runs the TypeScript sources (through tsx or vitest), false when it runs the build. */
export function runningFromSources(): boolean {
  return import.meta.url.endsWith('.ts');
}

/**
 * True when the package is a checkout of the repository (its TypeScript sources beside any build), false when it
 * was installed from the tarball, which holds the build alone.
 */
export function packageIsCheckout(): boolean {
  return existsSync(join(packageRoot(), 'client', 'cli', 'bin.ts'));
}
