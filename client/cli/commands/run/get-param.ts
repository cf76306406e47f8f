/** `slipstream run get-param ID KEY [--reveal]`: one runtime parameter; a password masked unless revealed. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRecord } from '../../output.js';
import { parameterFields, parameterView } from '../../views/runs.js';

/** Options of `run get-param`. */
export interface RunGetParamOptions extends OutputOptions {
  id: string;
  /** `node.N:name`, `node:name` or `ss:name`. */
  key: string;
  /** Show a password's value (deployer and up; the run records the reveal as an event). */
  reveal?: boolean;
}

/** Prints the parameter's fields (or it as JSON); a viewer asking to reveal exits 4. */
export function run(deps: CliDeps, opts: RunGetParamOptions): Promise<number> {
  return guarded(deps, async () => {
    const reveal = opts.reveal ?? false;
    const parameter = await deps.connect().runs.getParameter(opts.id, opts.key, { reveal });
    const view = parameterView(parameter, reveal);
    printRecord(deps, opts.output, parameterFields(view), view);
    if (reveal && parameter.secret && parameter.set) deps.stderr.write(`revealed ${parameter.key}; the run records it as an event\n`);
    return ExitCode.ok;
  });
}

/** Registers `run get-param`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('get-param')
    .description("show one runtime parameter of a run (a password's value masked unless --reveal)")
    .argument('<id>', 'run id')
    .argument('<key>', 'node.N:name, node:name or ss:name')
    .option('--reveal', "show a password's value (deployer role and up; recorded as an event of the run)")
    .action((id: string, key: string, flags: { reveal?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, id, key, reveal: flags.reveal })),
    );
}
