#!/usr/bin/env node
/** The `slipstream` executable: the only place that reads process globals. */
import { homedir } from 'node:os';
import { configPathFromEnv } from './config/path.js';
import { runCli } from './program.js';

// A reader that went away (`slipstream run logs ID | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  configPath: configPathFromEnv(process.env, homedir()),
  terminalSize: () => (process.stdout.isTTY ? { columns: process.stdout.columns, rows: process.stdout.rows } : undefined),
  trapInterrupt: () => {
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort();
    process.once('SIGINT', onSigint);
    return { signal: interrupt.signal, release: () => void process.off('SIGINT', onSigint) };
  },
});
process.exitCode = exitCode;
