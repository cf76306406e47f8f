#!/usr/bin/env -S node --import tsx
/** The `slipstream` executable: the only place that reads process globals. */
import { homedir } from 'node:os';
import { configPathFromEnv } from './config/path.js';
import { runCli } from './program.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  configPath: configPathFromEnv(process.env, homedir()),
});
process.exitCode = exitCode;
