/** `slipstream cloud test NAME`: proves your tenant's credentials for a cloud work. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';

/** Options of `cloud test`. */
export interface CloudTestOptions extends OutputOptions {
  name: string;
}

/**
 * Runs the cloud's cheap read-only call with your tenant's credentials. Exit
 * 0 when it works (its message on stdout), 1 when it does not (the driver's
 * message on stderr). `--output json` prints `{ cloud, ok, message }` either way.
 */
export function run(deps: CliDeps, opts: CloudTestOptions): Promise<number> {
  return guarded(deps, async () => {
    const result = await deps.connect().clouds.test(opts.name);
    if (opts.output === 'json') printJson(deps, { cloud: opts.name, ...result });
    else if (result.ok) deps.stdout.write(`${result.message}\n`);
    else deps.stderr.write(`error: cloud '${opts.name}' failed the test: ${result.message}\n`);
    return result.ok ? ExitCode.ok : ExitCode.failed;
  });
}

/** Registers `cloud test`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('test')
    .description("check your tenant's credentials for a cloud with a read-only call (exit 1 when they fail)")
    .argument('<name>', 'cloud name')
    .action((name: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, name })));
}
