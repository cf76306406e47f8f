import { hostname, networkInterfaces } from 'node:os';
import type { AgentConfig } from './config.js';

/** What the VM publishes about itself at enrollment and Provisioning. */
export interface VmFacts {
  hostname: string;
  ip: string;
  instanceId: string;
}

/**
 * The config's facts where given, else what the OS says: os.hostname(), the
 * first non-internal IPv4 address (127.0.0.1 when there is none) and
 * `local-<pid>` as instance id.
 */
export function discoverFacts(config: AgentConfig, pid: number): VmFacts {
  return {
    hostname: config.hostname ?? hostname(),
    ip: config.ip ?? firstExternalIpv4() ?? '127.0.0.1',
    instanceId: config.instanceId ?? `local-${pid}`,
  };
}

function firstExternalIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}
