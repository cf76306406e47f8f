/** `slipstream run set-param ID KEY VALUE`: sets a runtime parameter; mapped inputs follow at once. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { parameterView } from '../../views/runs.js';

/** Options of `run set-param`. */
export interface RunSetParamOptions extends OutputOptions {
  id: string;
  /** `node.N:name`, `node:name` or `ss:name`. */
  key: string;
  value: string;
}

/** Sets the value; never echoes a password. */
export function run(deps: CliDeps, opts: RunSetParamOptions): Promise<number> {
  return guarded(deps, async () => {
    const parameter = parameterView(await deps.connect().runs.setParameter(opts.id, opts.key, opts.value));
    if (opts.output === 'json') printJson(deps, parameter);
    else deps.stderr.write(`set ${parameter.key || opts.key} = ${parameter.value}\n`);
    return ExitCode.ok;
  });
}

/** Registers `run set-param`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('set-param')
    .description('set a runtime parameter of a live run')
    .argument('<id>', 'run id')
    .argument('<key>', 'node.N:name, node:name or ss:name')
    .argument('<value>', 'the new value')
    .action((id: string, key: string, value: string, _flags: unknown, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, key, value })),
    );
}
