/** `slipstream token revoke ID`. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { tokenView } from '../../views/admin.js';

/** Options of `token revoke`. */
export interface TokenRevokeOptions extends OutputOptions {
  id: string;
}

/** Revokes the token; it stops working at once. */
export function run(deps: CliDeps, opts: TokenRevokeOptions): Promise<number> {
  return guarded(deps, async () => {
    const token = tokenView((await deps.connect().tokens.revoke({ id: opts.id })).token);
    if (opts.output === 'json') printJson(deps, token);
    else deps.stderr.write(`revoked token '${token.name}' (id ${token.id}) of ${token.user}\n`);
    return ExitCode.ok;
  });
}

/** Registers `token revoke`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('revoke')
    .description('revoke an API token')
    .argument('<id>', 'token id (see: slipstream token list)')
    .action((id: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, id })));
}
