/**
 * `npm run demo` as a user runs it (no TTY): controller, CLI, the shop example
 * on the `local` cloud, load balancing, teardown. It must exit 0 and leave
 * nothing behind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

it('npm run demo succeeds end to end', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code, output).toBe(0);
  expect(output).toMatch(/^Demo OK in /m);
  expect(output).toMatch(/balanced \d+ requests: app\.1 x\d+, app\.2 x\d+/);
}, 240_000);
