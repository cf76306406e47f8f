/**
 * The flags that describe a launch (`--param`, `--cloud`, `--default-cloud`,
 * `--multiplicity`, `--keep-running`, `--scalable`, `--timeout`, `--tag`,
 * `--ssh-key`), shared by `run launch` and `template save`, so that a
 * template is written with exactly the words a launch is.
 */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { KEEP_RUNNING, type KeepRunning } from '../../../../common/runs/states.js';
import { UsageError } from '../../errors.js';
import { collect, parseIntAtLeast, parseNodeCloud, parseNodeMultiplicity, parseNodeParameter } from '../../flags.js';

/** The launch flags as commander parses them. */
export interface LaunchFlags {
  param?: Record<string, string>;
  cloud?: Record<string, string>;
  defaultCloud?: string;
  multiplicity?: Record<string, number>;
  keepRunning?: KeepRunning;
  scalable?: boolean;
  timeout?: number;
  tag?: string[];
  sshKey?: string[];
}

/** A launch's choices as the commands take them (every field optional: absent = not given). */
export interface LaunchChoiceOptions {
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
}

/** Adds the launch flags to `command`. */
export function addLaunchFlags(command: Command): Command {
  return command
    .option('--param <node:key=value>', 'input parameter value (repeatable)', parseNodeParameter)
    .option('--cloud <node=cloud>', 'cloud of one node (repeatable)', parseNodeCloud)
    .option('--default-cloud <cloud>', 'cloud of every node that names none')
    .option('--multiplicity <node=N>', 'instances of one node (repeatable)', parseNodeMultiplicity)
    .addOption(new Option('--keep-running <when>', 'keep the VMs after Ready (default: on-success)').choices(KEEP_RUNNING))
    .option('--scalable', 'stay in Ready and allow scale actions')
    .option('--timeout <minutes>', 'abort after this long in one transitional state (default: 30)', parseIntAtLeast(1))
    .option('--tag <tag>', 'tag the run (repeatable)', collect)
    .option('--ssh-key <file>', 'SSH public key file installed on every VM (repeatable)', collect);
}

/** The parsed flags as a command's options. */
export function launchChoicesOf(flags: LaunchFlags): LaunchChoiceOptions {
  return {
    parameters: flags.param,
    nodeClouds: flags.cloud,
    defaultCloud: flags.defaultCloud,
    multiplicities: flags.multiplicity,
    keepRunning: flags.keepRunning,
    scalable: flags.scalable,
    timeoutMinutes: flags.timeout,
    tags: flags.tag,
    sshKeyFiles: flags.sshKey,
  };
}

/** The public keys in the `--ssh-key` files, trimmed; UsageError naming the file that cannot be read or is empty. */
export async function readSshKeys(files: readonly string[]): Promise<string[]> {
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
