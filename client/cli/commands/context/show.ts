/** `slipstream context show`: the connection commands will use, and where each setting comes from. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import { resolveConnection, type ConnectionFlags } from '../../config/connection.js';
import { readConfig } from '../../config/file.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { maskSecret, printRecord } from '../../output.js';

/** Options of `context show`: the global flags, which take part in the resolution. */
export type ContextShowOptions = OutputOptions & ConnectionFlags;

/** Shows the effective context, address and (masked) token. */
export function run(deps: CliDeps, opts: ContextShowOptions): Promise<number> {
  return guarded(deps, async () => {
    const resolved = resolveConnection(readConfig(deps.configPath), deps.env, opts);
    const view = {
      context: resolved.context ?? '',
      address: resolved.address ?? '',
      addressSource: resolved.addressSource ?? '',
      token: maskSecret(resolved.token),
      tokenSource: resolved.tokenSource ?? '',
      tlsServerName: resolved.tlsServerName ?? '',
      tlsServerNameSource: resolved.tlsServerNameSource ?? '',
      configPath: deps.configPath,
    };
    const from = (source: string): string => (source ? ` (from ${source})` : '');
    printRecord(
      deps,
      opts.output,
      [
        ['context', view.context || '(none)'],
        ['address', `${view.address || '(none)'}${from(view.addressSource)}`],
        ['token', `${view.token || '(none)'}${from(view.tokenSource)}`],
        // Rarely set: a line only when it is, so the usual output stays as it was.
        ...(view.tlsServerName ? [['tls server name', `${view.tlsServerName}${from(view.tlsServerNameSource)}`] as const] : []),
        ['config', view.configPath],
      ],
      view,
    );
    return ExitCode.ok;
  });
}

/** Registers `context show`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('show')
    .description('show the effective connection (token masked)')
    .action((_flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, addr: g.addr, token: g.token, tlsServerName: g.tlsServerName })),
    );
}
