/** `slipstream run launch REF [flags] [--wait]`: starts a run; with --wait follows it live until it settles. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { KEEP_RUNNING, type KeepRunning } from '../../../../common/runs/states.js';
import { guarded, type CommandHost } from '../../command-kit.js';
import type { CliDeps, OutputOptions } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { collect, parseIntAtLeast, parseNodeCloud, parseNodeMultiplicity, parseNodeParameter } from '../../flags.js';
import { printJson } from '../../output.js';
import { waitForRun } from '../../run-follow.js';
import { moduleLabel, runJson } from '../../views/runs.js';

/** Options of `run launch`. */
export interface RunLaunchOptions extends OutputOptions {
  /** `path` or `path@N` of an application or component. */
  ref: string;
  /** `node:param` -> value. */
  parameters?: Record<string, string>;
  /** Node -> cloud. */
  nodeClouds?: Record<string, string>;
  defaultCloud?: string;
  /** Node -> multiplicity. */
  multiplicities?: Record<string, number>;
  keepRunning?: KeepRunning;
  scalable?: boolean;
  timeoutMinutes?: number;
  tags?: string[];
  /** Files holding SSH public keys. */
  sshKeyFiles?: string[];
  /** Default: a fresh one, so that the client may repeat the launch on another replica without starting a second run. */
  requestId?: string;
  /** Follow the run until it is Ready (and stays) or final. */
  wait?: boolean;
}

async function readSshKeys(files: readonly string[]): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      const key = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`--ssh-key ${file}: cannot read it (${error.code ?? error.message})`);
      });
      if (key.trim() === '') throw new UsageError(`--ssh-key ${file}: the file is empty`);
      return key.trim();
    }),
  );
}

/**
 * Launches the run. Without --wait prints its id on stdout (the Run with
 * --output json). With --wait exits 0 when the run is Ready or Done without
 * an abort, 3 when aborted or cancelled, 130 on Ctrl-C (the run goes on).
 */
export function run(deps: CliDeps, opts: RunLaunchOptions): Promise<number> {
  return guarded(deps, async () => {
    const sshPublicKeys = await readSshKeys(opts.sshKeyFiles ?? []);
    const client = deps.connect();
    const launched = await client.runs.launch({
      module: opts.ref,
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
        `launched ${moduleLabel(launched.module)} (${launched.state ?? 'unknown'}); follow it with: slipstream run watch ${launched.id}\n`,
      );
    }
    return ExitCode.ok;
  });
}

/** The flags of `run launch`, as commander parses them. */
interface LaunchFlags {
  param?: Record<string, string>;
  cloud?: Record<string, string>;
  defaultCloud?: string;
  multiplicity?: Record<string, number>;
  keepRunning?: KeepRunning;
  scalable?: boolean;
  timeout?: number;
  tag?: string[];
  sshKey?: string[];
  requestId?: string;
  wait?: boolean;
}

/** Registers `run launch`. */
export function register(parent: Command, host: CommandHost): void {
  parent
    .command('launch')
    .description('launch an application or component; --wait follows it live until it is Ready or final')
    .argument('<ref>', 'module path, path@N for a version, or path:TAG for the version a tag points at')
    .option('--param <node:key=value>', 'input parameter value (repeatable)', parseNodeParameter)
    .option('--cloud <node=cloud>', 'cloud of one node (repeatable)', parseNodeCloud)
    .option('--default-cloud <cloud>', 'cloud of every node that names none')
    .option('--multiplicity <node=N>', 'instances of one node (repeatable)', parseNodeMultiplicity)
    .addOption(new Option('--keep-running <when>', 'keep the VMs after Ready (default: on-success)').choices(KEEP_RUNNING))
    .option('--scalable', 'stay in Ready and allow scale actions')
    .option('--timeout <minutes>', 'abort after this long in one transitional state (default: 30)', parseIntAtLeast(1))
    .option('--tag <tag>', 'tag the run (repeatable)', collect)
    .option('--ssh-key <file>', 'SSH public key file installed on every VM (repeatable)', collect)
    .option('--request-id <id>', 'makes a retried launch return the first run instead of starting another')
    .option('--wait', 'follow the run live; exit 0 when Ready or Done, 3 when aborted or cancelled')
    .action((ref: string, flags: LaunchFlags, command: Command) =>
      host.invoke(command, run, (g) => ({
        output: g.output,
        ref,
        parameters: flags.param,
        nodeClouds: flags.cloud,
        defaultCloud: flags.defaultCloud,
        multiplicities: flags.multiplicity,
        keepRunning: flags.keepRunning,
        scalable: flags.scalable,
        timeoutMinutes: flags.timeout,
        tags: flags.tag,
        sshKeyFiles: flags.sshKey,
        requestId: flags.requestId,
        wait: flags.wait,
      })),
    );
}
