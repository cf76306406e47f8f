import { hostname } from 'node:os';
import { resolve } from 'node:path';

/** Who this controller process is among the replicas sharing its database. */
export interface ReplicaIdentity {
  /** New at every start. */
  id: string;
  host: string;
  pid: number;
  /**
   * The host and data dir: what `local` VMs are bound to. Stable across
   * restarts of one replica, so that a restarted replica finds its local
   * VMs' records again.
   */
  hostKey: string;
  /** host:port of its API. */
  address: string;
  /** host:port its agents dial. */
  agentAddress: string;
  version: string;
  mode: 'ha' | 'single';
  /** How long a replica stays the holder of its runs without a heartbeat. */
  leaseMs: number;
}

export function hostKeyOf(dataDir: string): string {
  return `${hostname()}:${resolve(dataDir)}`;
}

/** Another controller as a refusal to start names it. */
export function describeController(c: { pid: number; host: string; address: string; mode: string; startedAt: Date }): string {
  return `pid ${c.pid} on host ${c.host}, serving ${c.address}, ${c.mode === 'ha' ? 'in HA mode' : 'alone (no --ha)'}, started ${c.startedAt.toISOString()}`;
}
