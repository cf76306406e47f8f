/**
 * `npm run demo` as a user runs it (no TTY): controller, CLI, the shop example
 * on the `local` cloud, load balancing, teardown. It must exit 0 and leave
 * nothing behind. With --keep it stops at Ready with the dashboard's address
 * printed, serving it, until Enter.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { httpsGet } from '../helpers/https-get.js';
import { waitFor } from '../helpers/poll.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

it('npm run demo -- --keep succeeds end to end, serving the dashboard of its run until Enter', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--keep'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitFor('the demo to keep its run for a look', async () => (/press Enter to terminate/.test(output) || child.exitCode !== null ? true : undefined), 200_000);
    expect(output, output).toMatch(/press Enter to terminate/);
    const url = /The run in the dashboard: (https:\/\/\S+)/.exec(output)?.[1];
    const ca = /made its own CA \(([^)]+)\)/.exec(output)?.[1];
    expect(url, output).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/#\/runs\/[0-9a-f-]{36}$/);
    expect(ca, output).toBeDefined();
    const page = await httpsGet(url!, readFileSync(ca!, 'utf8'));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Slipstream</title>');
    expect(output).toMatch(/sign in with the token sst_/);
    child.stdin.write('\n');
    const code = await exited;
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Demo OK in /m);
    expect(output).toMatch(/balanced \d+ requests: app\.1 x\d+, app\.2 x\d+/);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}, 260_000);
