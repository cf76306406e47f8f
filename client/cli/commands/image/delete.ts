/** `slipstream image delete BUILD`: deletes a built image on its cloud and forgets it. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';

/** Options of `image delete`. */
export interface ImageDeleteOptions extends OutputOptions {
  /** The build's id (`image list`'s BUILD column). */
  id: string;
}

/** Deletes the image; later runs of its component boot the base image again. */
export function run(deps: CliDeps, opts: ImageDeleteOptions): Promise<number> {
  return guarded(deps, async () => {
    await deps.connect().images.delete({ id: opts.id });
    deps.stderr.write(`deleted image build ${opts.id}\n`);
    return ExitCode.ok;
  });
}

/** Registers `image delete`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('delete')
    .description('delete a built image on its cloud and forget it; later runs boot the base image again')
    .argument('<build>', 'the build id (image list)')
    .action((id: string, _flags: unknown, command: Command) => host.invoke(command, run, (g) => ({ output: g.output, id })));
}
