/** `npm run bench`, bench/profile-deploy.ts and bench/profile-propagation.ts refuse a bad size before they start anything. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bench = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const profileDeploy = fileURLToPath(new URL('../../bench/profile-deploy.ts', import.meta.url));
const profilePropagation = fileURLToPath(new URL('../../bench/profile-propagation.ts', import.meta.url));

describe('bench options', () => {
  it.each([
    ['--large', 'abc'],
    ['--large', '2.5'],
    ['--workers', '0'],
  ])('%s %s exits 2 naming the option', async (option, value) => {
    // A timeout, so that a value wrongly accepted fails the test instead of running the whole bench.
    const failure = await run(process.execPath, ['--import', 'tsx', bench, option, value], { timeout: 30_000 }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure).toMatchObject({ code: 2, stderr: `bench: ${option} must be a positive whole number\n` });
  });

  it.each(['abc', '0'])('profile-deploy %s exits 2 naming the size', async (size) => {
    const failure = await run(process.execPath, ['--import', 'tsx', profileDeploy, size], { timeout: 30_000 }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure).toMatchObject({ code: 2, stderr: 'bench: size must be a positive whole number\n' });
  });

  it.each([
    [['--samples', '180'], 'profile-propagation: --samples must be at most 179 (a component holds at most 200 parameters)\n'],
    [['--connected', '0'], 'bench: --connected must be a positive whole number\n'],
  ])('profile-propagation %j exits 2 saying why', async (args, stderr) => {
    const failure = await run(process.execPath, ['--import', 'tsx', profilePropagation, ...args], { timeout: 30_000 }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure).toMatchObject({ code: 2, stderr });
  });
});
