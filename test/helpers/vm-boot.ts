/**
 * "Boots" a cloud VM here, the way cloud-init would on the VM: the VM's
 * `#cloud-config` user-data is parsed (yaml), its `write_files` entry for
 * `/opt/slipstream/agent.json` is taken exactly as cloud-init would write
 * it, and the real agent is started on that config. Only `workDir` is
 * replaced (by a temp dir of this host); nothing bypasses the user-data.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startAgent, type AgentExit, type RunningAgent } from '../../agent/index.js';

/** Where cloud-init writes the agent's config on a VM. */
export const AGENT_CONFIG_PATH = '/opt/slipstream/agent.json';

/** One `write_files` entry of a #cloud-config document. */
export interface CloudInitFile {
  path: string;
  content: string;
  permissions?: string;
  owner?: string;
  encoding?: string;
}

/** A parsed #cloud-config user-data (the parts the helper reads). */
export interface CloudConfig {
  write_files: CloudInitFile[];
  runcmd?: unknown[];
  [key: string]: unknown;
}

/** Parses `#cloud-config` user-data; throws when it is not one. */
export function parseCloudConfig(userData: string): CloudConfig {
  if (!userData.startsWith('#cloud-config\n')) throw new Error(`user-data is not #cloud-config: starts ${JSON.stringify(userData.slice(0, 40))}`);
  const document = parse(userData) as unknown;
  if (!document || typeof document !== 'object' || !Array.isArray((document as CloudConfig).write_files)) {
    throw new Error('user-data has no write_files list');
  }
  return document as CloudConfig;
}

/** The agent config file's entry, with its content as cloud-init would write it (base64/gzip encodings are refused). */
export function agentConfigFile(userData: string): CloudInitFile {
  const file = parseCloudConfig(userData).write_files.find((f) => f.path === AGENT_CONFIG_PATH);
  if (!file) throw new Error(`user-data writes no ${AGENT_CONFIG_PATH}`);
  if (typeof file.content !== 'string') throw new Error(`${AGENT_CONFIG_PATH}: content is not a string`);
  if (file.encoding !== undefined && file.encoding !== 'text/plain') throw new Error(`${AGENT_CONFIG_PATH}: encoding ${file.encoding} is not supported here`);
  return file;
}

/** The agent config the user-data carries, parsed from the file content. */
export function agentConfigOf(userData: string): Record<string, unknown> {
  return JSON.parse(agentConfigFile(userData).content) as Record<string, unknown>;
}

/** A booted "VM": the agent running here on the user-data's config. */
export interface BootedVm {
  /** The temp dir standing in for the VM's disk (config file and agent work dir). */
  dir: string;
  /** The config file written from the user-data (workDir replaced). */
  configPath: string;
  /** The config as the agent reads it. */
  config: Record<string, unknown>;
  agent: RunningAgent;
  /** Resolves when the agent ends on its own (its run ended). */
  done: Promise<AgentExit>;
  /** True once `done` has resolved. */
  readonly exited: boolean;
  /** Stops the agent (if still running) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Boots one VM from its user-data: writes the agent config (0600) and starts the embedded agent on it. */
export async function bootVm(userData: string, options: { name?: string } = {}): Promise<BootedVm> {
  const file = agentConfigFile(userData);
  const config = JSON.parse(file.content) as Record<string, unknown>;
  // Short prefix: the agent's Unix socket path must fit 107 bytes.
  const dir = await mkdtemp(join(tmpdir(), `ss-vm-${(options.name ?? '').replace(/[^a-z0-9.-]/gi, '').slice(0, 12)}-`));
  const workDir = join(dir, 'w');
  const booted = { ...config, workDir };
  const configPath = join(dir, 'agent.json');
  await writeFile(configPath, `${JSON.stringify(booted, null, 2)}\n`, { mode: Number.parseInt(file.permissions ?? '0600', 8) });
  let agent: RunningAgent;
  try {
    agent = await startAgent({
      configPath,
      logLevel: 'warn',
      logSink: () => undefined,
      env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: join(dir, 'home'), LANG: 'C.UTF-8' },
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  let exited = false;
  void agent.done.then(
    () => (exited = true),
    () => (exited = true),
  );
  return {
    get exited() {
      return exited;
    },
    dir,
    configPath,
    config: booted,
    agent,
    done: agent.done,
    stop() {
      stopped ??= (async () => {
        await agent.stop().catch(() => undefined);
        await agent.done.catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
