/** `slipstream token create NAME [--user U] [--ttl 30d]`: a new API token, shown once. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { parseDurationSeconds } from '../../flags.js';
import { printJson } from '../../output.js';
import { tokenView } from '../../views/admin.js';

/** Options of `token create`. */
export interface TokenCreateOptions extends OutputOptions {
  name: string;
  /** Owner; absent = the caller (admins may name anyone). */
  user?: string;
  /** Lifetime in seconds; absent = never expires. */
  ttlSeconds?: number;
}

/** Creates the token; the secret goes to stdout alone, so scripts can capture it. */
export function run(deps: CliDeps, opts: TokenCreateOptions): Promise<number> {
  return guarded(deps, async () => {
    const response = await deps.connect().tokens.create({ name: opts.name, user: opts.user, ttlSeconds: opts.ttlSeconds });
    const token = tokenView(response.token);
    if (opts.output === 'json') {
      printJson(deps, { token, secret: response.secret });
    } else {
      const expiry = token.expiresAt ? `expires ${token.expiresAt}` : 'never expires';
      deps.stderr.write(`created token '${token.name}' (id ${token.id}) for ${token.user}, ${expiry}; secret (shown only once):\n`);
      deps.stdout.write(`${response.secret}\n`);
    }
    return ExitCode.ok;
  });
}

/** Registers `token create`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('create')
    .description('create an API token (for yourself, or any user if you are an admin)')
    .argument('<name>', 'token name')
    .option('--user <user>', 'owner of the token (default: you)')
    .option('--ttl <duration>', 'lifetime: 30d, 12h, 90m or 3600s (default: never expires)', parseDurationSeconds)
    .action((name: string, flags: { user?: string; ttl?: number }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, name, user: flags.user, ttlSeconds: flags.ttl })),
    );
}
