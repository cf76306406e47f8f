/** `slipstream image list [PATH] [--cloud C]`: the tenant's built images, newest first. */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { printRows } from '../../output.js';
import { IMAGE_COLUMNS, imageView } from '../../views/images.js';

/** Options of `image list`. */
export interface ImageListOptions extends OutputOptions {
  /** A component path, or a folder of components. */
  path?: string;
  cloud?: string;
}

/** Lists built images: building, available and failed ones. */
export function run(deps: CliDeps, opts: ImageListOptions): Promise<number> {
  return guarded(deps, async () => {
    const { images } = await deps.connect().images.list({ path: opts.path ?? '', cloud: opts.cloud ?? '' });
    printRows(deps, opts.output, IMAGE_COLUMNS, images.map(imageView));
    return ExitCode.ok;
  });
}

/** Registers `image list`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('list')
    .description('list images built from components (newest first)')
    .argument('[path]', 'only images of this component, or of the components under this folder')
    .option('--cloud <cloud>', 'only images of this cloud')
    .action((path: string | undefined, flags: { cloud?: string }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, path, cloud: flags.cloud })),
    );
}
