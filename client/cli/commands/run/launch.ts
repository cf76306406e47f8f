/** `slipstream run launch [REF] [--template NAME[@N]] [flags] [--wait]`: starts a run; with --wait follows it live until it settles. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { printJson } from '../../output.js';
import { waitForRun } from '../../run-follow.js';
import { moduleLabel, runJson } from '../../views/runs.js';
import { addLaunchFlags, launchChoicesOf, readSshKeys, type LaunchChoiceOptions, type LaunchFlags } from './launch-flags.js';

/** Options of `run launch`. */
export interface RunLaunchOptions extends OutputOptions, LaunchChoiceOptions {
  /** `path` or `path@N` of an application or component; may be omitted with `template`. */
  ref?: string;
  /** `name` or `name@N` of a deployment template; the other options override its fields. */
  template?: string;
  /** Default: a fresh one, so that the client may repeat the launch on another replica without starting a second run. */
  requestId?: string;
  /** Follow the run until it is Ready (and stays) or final. */
  wait?: boolean;
}

/**
 * Launches the run. Without --wait prints its id on stdout (the Run with
 * --output json). With --wait exits 0 when the run is Ready or Done without
 * an abort, 3 when aborted or cancelled, 130 on Ctrl-C (the run goes on).
 */
export function run(deps: CliDeps, opts: RunLaunchOptions): Promise<number> {
  return guarded(deps, async () => {
    if (!opts.ref && !opts.template) throw new UsageError('name the module to launch (REF), or a template with --template NAME[@N]');
    const sshPublicKeys = await readSshKeys(opts.sshKeyFiles ?? []);
    const client = deps.connect();
    const launched = await client.runs.launch({
      module: opts.ref ?? '',
      template: opts.template,
      parameters: opts.parameters,
      nodeClouds: opts.nodeClouds,
      defaultCloud: opts.defaultCloud,
      multiplicities: opts.multiplicities,
      keepRunning: opts.keepRunning,
      scalable: opts.scalable,
      timeoutMinutes: opts.timeoutMinutes,
      tags: opts.tags,
      sshPublicKeys,
      requestId: opts.requestId ?? randomUUID(),
    });
    if (opts.wait) return waitForRun(deps, client, { runId: launched.id, until: 'settled', output: opts.output, style: 'live' });
    if (opts.output === 'json') {
      printJson(deps, runJson(launched));
    } else {
      deps.stdout.write(`${launched.id}\n`);
      deps.stderr.write(
        `launched ${moduleLabel(launched.module)}${launched.template ? ` from template ${launched.template}` : ''} (${launched.state ?? 'unknown'}); follow it with: slipstream run watch ${launched.id}\n`,
      );
    }
    return ExitCode.ok;
  });
}

/** The flags of `run launch`, as commander parses them. */
interface RunLaunchFlags extends LaunchFlags {
  template?: string;
  requestId?: string;
  wait?: boolean;
}

/** Registers `run launch`. */
export function register(parent: Command, host: CommandHost): void {
  addLaunchFlags(
    parent
      .command('launch')
      .description('launch an application or component (or a deployment template); --wait follows it live until it is Ready or final')
      .argument('[ref]', 'module path, path@N for a version, or path:TAG; @TENANT/... for a module another tenant shares (optional with --template)')
      .option('--template <name[@N]>', "launch this deployment template; the other flags override its fields"),
  )
    .option('--request-id <id>', 'makes a retried launch return the first run instead of starting another')
    .option('--wait', 'follow the run live; exit 0 when Ready or Done, 3 when aborted or cancelled')
    .action((ref: string | undefined, flags: RunLaunchFlags, command: Command) =>
      host.invoke(command, run, (g) => ({
        output: g.output,
        ref,
        template: flags.template,
        ...launchChoicesOf(flags),
        requestId: flags.requestId,
        wait: flags.wait,
      })),
    );
}
