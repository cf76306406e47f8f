import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `<dataDir>/reports/<runId>/<instance>`, made (or made again) private: each
 * of the three folders 0700 whatever the umask, also when an older
 * controller created them with its umask. Reports are a VM's logs and files,
 * for the run's operators only.
 */
export function privateReportDir(dataDir: string, runId: string, instance: string): string {
  let dir = join(dataDir, 'reports');
  for (const part of [runId, instance, undefined]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    if (part !== undefined) dir = join(dir, part);
  }
  return dir;
}
