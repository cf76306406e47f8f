/** Messages between a SimPool and its worker processes (Node IPC, JSON). */
import type { AgentConfig } from '../../../agent/config.js';
import type { VmTags } from '../connector.js';
import type { SimRecipeStats } from './sim-recipes.js';

/** One sim VM's agent as a worker hosts it. */
export interface SimVmStart {
  /** `<runId>/<instance>`: unique in the pool. */
  key: string;
  vmId: string;
  tags: VmTags;
  config: AgentConfig;
  workDir: string;
}

/** One probe event, flattened for JSON: [type, state, epoch, monotonic µs]. */
export type SimEvent = [type: string, state: number, epoch: number, atMicros: number];

/** What a worker knows of one agent it started. */
export interface SimAgentRecord {
  key: string;
  vmId: string;
  tags: VmTags;
  alive: boolean;
  exit: string | undefined;
  enrollUptimeMs: number | undefined;
  events: SimEvent[];
  stats: SimRecipeStats;
}

/** Agents' log lines of one level and message (a sim worker runs its agents at `warn`). */
export interface SimLogKind {
  level: string;
  msg: string;
  count: number;
  /** The first such line, as the agent wrote it. */
  first: string;
}

export type SimRequest =
  | { id: number; op: 'start'; vm: SimVmStart }
  | { id: number; op: 'stop'; key: string }
  | { id: number; op: 'records'; keys?: string[] }
  | { id: number; op: 'welcomed'; keyPrefix: string; sinceMicros: number }
  | { id: number; op: 'memory' }
  | { id: number; op: 'logs' };

export type SimReply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string };
