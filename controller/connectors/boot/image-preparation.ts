/**
 * What a cloud VM runs on itself, as the last thing before its disk becomes
 * an image (EC2 CreateImage, GCE images.insert, an Azure capture), so that
 * the image carries nothing of this VM's agent identity: the agent's own
 * files in its work dir (its state holds the node's credential), its boot
 * config (the bootstrap token) and cloud-init's record of this instance (its
 * cached user-data holds the same token; without the record, a VM booted
 * from the image runs cloud-init's first boot again and gets its own). What
 * the recipes installed stays. The agent service is disabled last (a VM
 * booted from the image starts no agent before cloud-init gave it its own
 * config).
 *
 * Cloud drivers cannot run it themselves (EC2 and GCE have no API to run a
 * command in a VM): their connectors hand it out (ImagePreparer), the image
 * build's plan carries it, and the agent runs it once its reports are sent,
 * tells the controller (common/images/image-preparation.ts) and exits; the
 * controller requests the snapshot only then. Not `--now`: stopping the unit
 * would kill the agent before it could tell.
 */
import { agentOwnFiles } from '../agent-own-files.js';
import { AGENT_DIR, WORK_DIR } from './cloud-init.js';

/** Where the script works; the defaults are the paths cloud-init.ts gives a VM (tests point them elsewhere). */
export interface ImagePreparationPaths {
  workDir?: string;
  agentDir?: string;
  /** cloud-init's state folder. */
  cloudDir?: string;
  /** Run `systemctl disable` on the agent's unit at the end (the agent exits by itself). Default true. */
  disableAgent?: boolean;
}

/** Quotes one word for bash. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The bash script (see the file comment). */
export function imagePreparationScript(paths: ImagePreparationPaths = {}): string {
  const workDir = paths.workDir ?? WORK_DIR;
  const agentDir = paths.agentDir ?? AGENT_DIR;
  const cloudDir = paths.cloudDir ?? '/var/lib/cloud';
  // Globs stay unquoted so the shell expands them; nullglob drops the ones that match nothing.
  const own = agentOwnFiles().map((name) => (name.includes('*') ? name.replace(/[^*]+/g, (part) => quote(part)) : quote(name)));
  return [
    '#!/bin/bash',
    '# Slipstream: this VM becomes an image; nothing of its agent identity may go with it.',
    'set -euo pipefail',
    'shopt -s nullglob dotglob',
    `cd ${quote(workDir)}`,
    `rm -rf -- ${own.join(' ')}`,
    `rm -f -- ${quote(`${agentDir}/agent.json`)}`,
    // What `cloud-init clean` removes: the instance's data (user-data included) and the first-boot markers.
    `rm -rf -- ${quote(cloudDir)}/instances ${quote(cloudDir)}/instance ${quote(cloudDir)}/data ${quote(cloudDir)}/sem`,
    'sync',
    ...(paths.disableAgent === false ? [] : ['systemctl disable slipstream-agent.service']),
    '',
  ].join('\n');
}
