/** `slipstream context list`: the saved contexts, tokens masked. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import { readConfig } from '../../config/file.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { maskSecret, printRows, type Column } from '../../output.js';

/** Options of `context list`. */
export type ContextListOptions = OutputOptions;

interface ContextRow {
  name: string;
  current: boolean;
  address: string;
  token: string;
}

const COLUMNS: Column<ContextRow>[] = [
  { header: 'current', value: (c) => (c.current ? '*' : '') },
  { header: 'name', value: (c) => c.name },
  { header: 'address', value: (c) => c.address },
  { header: 'token', value: (c) => c.token },
];

/** Lists contexts sorted by name. */
export function run(deps: CliDeps, opts: ContextListOptions): Promise<number> {
  return guarded(deps, async () => {
    const config = readConfig(deps.configPath);
    const rows = Object.entries(config.contexts)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, c]) => ({ name, current: name === config.current, address: c.address, token: maskSecret(c.token) }));
    printRows(deps, opts.output, COLUMNS, rows);
    return ExitCode.ok;
  });
}

/** Registers `context list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list saved contexts')
    .action((_flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output })));
}
