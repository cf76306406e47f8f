/** `slipstream token list [--user U | --all] [--include-revoked]`. */
import { Option, type Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { TOKEN_COLUMNS, tokenView } from '../../views/admin.js';

/** Options of `token list`. */
export interface TokenListOptions extends OutputOptions {
  /** Whose tokens: absent = the caller's, `all` = every user's (admins). */
  user?: string | { all: true };
  includeRevoked: boolean;
}

/** Lists tokens, never their secrets. */
export function run(deps: CliDeps, opts: TokenListOptions): Promise<number> {
  return guarded(deps, async () => {
    const user = typeof opts.user === 'object' ? '*' : opts.user;
    const { tokens } = await deps.connect().tokens.list({ user, includeRevoked: opts.includeRevoked });
    const columns = opts.includeRevoked ? TOKEN_COLUMNS : TOKEN_COLUMNS.filter((c) => c.header !== 'revoked');
    printRows(deps, opts.output, columns, tokens.map(tokenView));
    return ExitCode.ok;
  });
}

/** Registers `token list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list API tokens (yours by default)')
    .addOption(new Option('--user <user>', "a user's tokens (admins)").conflicts('all'))
    .option('--all', "every user's tokens (admins)", false)
    .option('--include-revoked', 'also list revoked tokens', false)
    .action((flags: { user?: string; all: boolean; includeRevoked: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({
        output: g.output,
        user: flags.all ? { all: true as const } : flags.user,
        includeRevoked: flags.includeRevoked,
      })),
    );
}
