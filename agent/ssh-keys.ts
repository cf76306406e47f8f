import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Appends the keys not yet present to `<home>/.ssh/authorized_keys`
 * (folder 0700, file 0600). Returns how many were added.
 */
export async function installSshKeys(home: string, keys: readonly string[]): Promise<number> {
  const dir = join(home, '.ssh');
  const file = join(dir, 'authorized_keys');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let existing = '';
  try {
    existing = await readFile(file, 'utf8');
  } catch {
    // No file yet.
  }
  const present = new Set(existing.split('\n').map((l) => l.trim()).filter(Boolean));
  const fresh = [...new Set(keys.map((k) => k.trim()).filter((k) => k && !present.has(k)))];
  if (fresh.length > 0) {
    const prefix = existing && !existing.endsWith('\n') ? '\n' : '';
    await appendFile(file, prefix + fresh.join('\n') + '\n', { mode: 0o600 });
  }
  await chmod(file, 0o600).catch(() => undefined);
  return fresh.length;
}
