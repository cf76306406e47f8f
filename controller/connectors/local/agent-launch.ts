/**
 * Booting a local VM: the agent config file it boots from (the same file
 * cloud user-data carries, adjusted for running on this host) and the
 * detached agent process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAgentConfig, type AgentConfig } from '../../../agent/config.js';
import { ConnectorError } from '../connector.js';
import { AGENT_OUTPUT_LOG } from './agent-output.js';
import { writeFileAtomic } from './vm-record.js';

/** The environment variable every process of a local VM carries: `<runId>/<instance>`. */
export const LOCAL_VM_MARKER = 'SLIPSTREAM_LOCAL_VM';
/** Carries the VM's record folder (in the data dir), so that two controllers on one host never mistake each other's VMs. */
export const LOCAL_VM_DIR_MARKER = 'SLIPSTREAM_LOCAL_VM_DIR';

/** The variables every process of the VM in `dir` inherits, by which terminate finds them all. */
export function vmEnvironment(runId: string, instance: string, dir: string): Record<string, string> {
  return { [LOCAL_VM_MARKER]: `${runId}/${instance}`, [LOCAL_VM_DIR_MARKER]: dir };
}

/** {@link vmEnvironment} as the `NAME=VALUE` entries of /proc/PID/environ. */
export function vmEnvironmentMarkers(runId: string, instance: string, dir: string): string[] {
  return Object.entries(vmEnvironment(runId, instance, dir)).map(([name, value]) => `${name}=${value}`);
}

/**
 * The config a local VM's agent boots from: the controller's config plus
 * this VM's folder and identity, no package or SSH key installation, and
 * plaintext gRPC unless a CA certificate is given. Throws AgentConfigError.
 */
export function localAgentConfig(base: AgentConfig, dir: string, vmId: string): AgentConfig {
  const config: AgentConfig = {
    ...base,
    workDir: dir,
    installPackages: false,
    installSshKeys: false,
    hostname: 'localhost',
    ip: '127.0.0.1',
    instanceId: vmId,
  };
  if (!config.caCertificate) config.insecure = true;
  return parseAgentConfig(config);
}

/**
 * Writes `<dir>/agent.json` (0600: it holds the bootstrap token), owned by
 * the VM's user when it runs as another one, and returns its path.
 */
export async function writeAgentConfig(dir: string, config: AgentConfig, owner?: { uid: number; gid: number }): Promise<string> {
  const path = join(dir, 'agent.json');
  await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`, 0o600, owner);
  return path;
}

/** How to start one agent. */
export interface AgentLaunch {
  command: readonly string[];
  configPath: string;
  /** The agent's working directory. */
  dir: string;
  /** Where `agent.out.log` goes (the record's folder: the VM's own user need not reach it). */
  logDir: string;
  env: Readonly<Record<string, string>>;
  /** Start the agent as this user (and only its primary group); default: as this process. */
  user?: { uid: number; gid: number };
  /** Called once when the agent exits (while this process lives). */
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Starts the agent detached (its own session and process group, so it
 * outlives this process), output appended to `<logDir>/agent.out.log`, not
 * keeping this process alive. Returns its pid.
 */
export async function spawnAgent(launch: AgentLaunch): Promise<number> {
  const [file, ...args] = launch.command;
  if (!file) throw new ConnectorError('invalid', 'local: the agent command is empty');
  const log = await open(join(launch.logDir, AGENT_OUTPUT_LOG), 'a', 0o600);
  try {
    const child = spawn(file, [...args, '--config', launch.configPath], {
      cwd: launch.dir,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...launch.env },
      ...(launch.user ? { uid: launch.user.uid, gid: launch.user.gid } : {}),
    });
    if (child.pid === undefined) {
      const [err] = (await once(child, 'error')) as [Error];
      throw err;
    }
    child.on('error', () => {}); // later errors (kill failures) are not ours to report
    child.once('exit', launch.onExit);
    child.unref();
    return child.pid;
  } finally {
    await log.close();
  }
}
