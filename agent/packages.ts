/**
 * The `packages` step: finds the platform's package manager (apt-get, dnf,
 * yum, apk) and renders the script that installs the component's packages,
 * so it runs, logs and fails like any other recipe script.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** A supported package manager. */
export type PackageManager = 'apt-get' | 'dnf' | 'yum' | 'apk';

const MANAGERS: readonly PackageManager[] = ['apt-get', 'dnf', 'yum', 'apk'];

/** The first supported package manager on PATH, or undefined. */
export async function detectPackageManager(path: string | undefined): Promise<PackageManager | undefined> {
  const dirs = (path ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean);
  for (const manager of MANAGERS) {
    for (const dir of dirs) {
      try {
        await access(join(dir, manager), constants.X_OK);
        return manager;
      } catch {
        // Not here.
      }
    }
  }
  return undefined;
}

/** Single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The bash script that installs `packages` with `manager` (through `sudo -n` when not root). */
export function packageInstallScript(manager: PackageManager, packages: readonly string[], asRoot: boolean): string {
  const sudo = asRoot ? '' : 'sudo -n ';
  const list = packages.map(shellQuote).join(' ');
  const lines = ['set -eu'];
  switch (manager) {
    case 'apt-get':
      lines.push('export DEBIAN_FRONTEND=noninteractive', `${sudo}apt-get update -q`, `${sudo}apt-get install -y -q ${list}`);
      break;
    case 'dnf':
    case 'yum':
      lines.push(`${sudo}${manager} install -y ${list}`);
      break;
    case 'apk':
      lines.push(`${sudo}apk add --no-cache ${list}`);
      break;
  }
  return lines.join('\n') + '\n';
}
