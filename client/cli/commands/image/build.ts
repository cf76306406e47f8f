/** `slipstream image build REF --cloud C [--timeout MIN] [--wait]`: builds an image from a component (a run of kind image build). */
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { ExitCode } from '../../exit-codes.js';
import { parseIntAtLeast } from '../../flags.js';
import { printJson } from '../../output.js';
import { waitForRun } from '../../run-follow.js';
import { imageView } from '../../views/images.js';

/** Options of `image build`. */
export interface ImageBuildOptions extends OutputOptions {
  /** `path` or `path@N` of a component. */
  ref: string;
  cloud: string;
  /** Minutes each phase (and the snapshot) may take; default the controller's 30. */
  timeoutMinutes?: number;
  /** Follow the build until it ends; print the image id. */
  wait?: boolean;
}

/**
 * Starts the build. Without --wait prints the build's id (its run's) on
 * stdout. With --wait follows the run live on stderr and, when the image is
 * available, prints its id on stdout (the image as JSON with --output json):
 * exit 0; 3 when the build aborted or was cancelled; 130 on Ctrl-C (the build goes on).
 */
export function run(deps: CliDeps, opts: ImageBuildOptions): Promise<number> {
  return guarded(deps, async () => {
    const client = deps.connect();
    const started = (await client.images.build({ ref: opts.ref, cloud: opts.cloud, timeoutMinutes: opts.timeoutMinutes ?? 0 })).image!;
    const label = `${started.component?.path}@${started.component?.version}`;
    if (!opts.wait) {
      if (opts.output === 'json') printJson(deps, imageView(started));
      else {
        deps.stdout.write(`${started.id}\n`);
        deps.stderr.write(`building an image of ${label} on cloud ${started.cloud}; follow it with: slipstream run watch ${started.runId}\n`);
      }
      return ExitCode.ok;
    }
    // The run's live view and verdict are messages: stdout carries only the image.
    const code = await waitForRun({ ...deps, stdout: deps.stderr }, client, { runId: started.runId, until: 'final', output: 'table', style: 'live' });
    if (code !== ExitCode.ok) return code;
    const image = (await client.images.list({ path: started.component?.path ?? '', cloud: started.cloud })).images.find((i) => i.id === started.id);
    if (!image?.imageId) {
      deps.stderr.write(`error: build ${started.id} ended without an image\n`);
      return ExitCode.failed;
    }
    if (opts.output === 'json') printJson(deps, imageView(image));
    else {
      deps.stdout.write(`${image.imageId}\n`);
      deps.stderr.write(`image ${image.imageId} of ${label} is available on cloud ${image.cloud}\n`);
    }
    return ExitCode.ok;
  });
}

/** Registers `image build`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('build')
    .description("build an image from a component on a cloud: boots its base image, runs preinstall, packages and postinstall, snapshots the VM; later runs of that version on that cloud boot it")
    .argument('<ref>', 'component path or path@N')
    .requiredOption('--cloud <cloud>', 'the cloud to build on (its driver must build images)')
    .option('--timeout <minutes>', 'minutes each phase and the snapshot may take (default 30)', parseIntAtLeast(1))
    .option('--wait', 'follow the build live; print the image id and exit 0 when it is available, 3 when the build aborted')
    .action((ref: string, flags: { cloud: string; timeout?: number; wait?: boolean }, command: Command) =>
      host.invoke(command, run, (g) => ({ output: g.output, ref, cloud: flags.cloud, timeoutMinutes: flags.timeout, wait: flags.wait })),
    );
}
