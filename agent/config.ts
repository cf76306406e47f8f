import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * The agent's configuration file: exactly what a VM's boot data carries
 * (cloud-init writes it; the `local` driver writes the same file). JSON, mode 0600.
 */
export interface AgentConfig {
  /** Controller gRPC address, `host:port`. Agents older than `controllerAddresses` read only this one. */
  controller: string;
  /**
   * Several controller replicas' agent addresses (`host:port` each), tried in
   * this order, round robin, when one cannot be reached; `controller` is tried
   * after them when it is not in the list. A replica that does not drive the
   * agent's run sends the agent to the one that does (SessionResponse.redirect).
   */
  controllerAddresses?: string[];
  /** PEM of the CA that signed the controller's certificate; absent with `insecure`. */
  caCertificate?: string;
  /** Plaintext gRPC: only for the `local` driver and tests. */
  insecure?: boolean;
  /** The run and node instance (`node.N`) this VM is. */
  runId: string;
  instance: string;
  /** One-time bootstrap token, exchanged at enrollment for a scoped credential. */
  bootstrapToken: string;
  /** Where the agent keeps its state, logs, socket and report dir; default: the config file's folder. */
  workDir?: string;
  /** Run `packages` with the platform's package manager (false on the `local` driver). */
  installPackages?: boolean;
  /** Install given SSH keys into ~/.ssh/authorized_keys (false on the `local` driver). */
  installSshKeys?: boolean;
  /** Facts to publish at Provisioning when the VM cannot find them itself. */
  hostname?: string;
  ip?: string;
  instanceId?: string;
}

/** Thrown for an unreadable or invalid config file; names the field. */
export class AgentConfigError extends Error {}

/** Validates a parsed config file; throws AgentConfigError naming the first bad field. */
export function parseAgentConfig(raw: unknown): AgentConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new AgentConfigError('config: must be a JSON object');
  const c = raw as Record<string, unknown>;
  const text = (field: string, required: boolean): string | undefined => {
    const value = c[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') throw new AgentConfigError(`config.${field}: must be a non-empty string`);
    return value;
  };
  const flag = (field: string): boolean | undefined => {
    const value = c[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw new AgentConfigError(`config.${field}: must be true or false`);
    return value;
  };
  const controller = text('controller', true)!;
  if (!isControllerAddress(controller)) throw new AgentConfigError('config.controller: must be HOST:PORT');
  const addresses = c.controllerAddresses;
  if (addresses !== undefined) {
    if (!Array.isArray(addresses) || addresses.length === 0) throw new AgentConfigError('config.controllerAddresses: must be a non-empty list of HOST:PORT');
    addresses.forEach((address: unknown, i) => {
      if (typeof address !== 'string' || !isControllerAddress(address)) throw new AgentConfigError(`config.controllerAddresses[${i}]: must be HOST:PORT`);
    });
  }
  const instance = text('instance', true)!;
  if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?\.[1-9]\d*$/.test(instance)) throw new AgentConfigError('config.instance: must be NODE.N');
  const insecure = flag('insecure');
  const caCertificate = text('caCertificate', false);
  if (!insecure && !caCertificate) throw new AgentConfigError('config.caCertificate: required unless insecure is true');
  const config: AgentConfig = {
    controller,
    runId: text('runId', true)!,
    instance,
    bootstrapToken: text('bootstrapToken', true)!,
  };
  const optional = {
    controllerAddresses: addresses === undefined ? undefined : [...(addresses as string[])],
    caCertificate,
    insecure,
    workDir: text('workDir', false),
    installPackages: flag('installPackages'),
    installSshKeys: flag('installSshKeys'),
    hostname: text('hostname', false),
    ip: text('ip', false),
    instanceId: text('instanceId', false),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  return config;
}

/** Whether `address` is `HOST:PORT` (an IPv6 host in brackets), as the config and a controller's redirect give it. */
export function isControllerAddress(address: string): boolean {
  return /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address);
}

/** The addresses the agent tries, in order: the list, then `controller` unless the list holds it; no address twice. */
export function controllerAddressesOf(config: Pick<AgentConfig, 'controller' | 'controllerAddresses'>): string[] {
  return [...new Set([...(config.controllerAddresses ?? []), config.controller])];
}

/** Reads and validates a config file; a missing `workDir` becomes the file's folder. */
export async function readAgentConfigFile(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AgentConfigError(`config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(`config file ${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const config = parseAgentConfig(raw);
  return { ...config, workDir: resolve(dirname(resolve(path)), config.workDir ?? '.') };
}
