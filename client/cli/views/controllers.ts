/** How controller replicas look in listings and JSON output. */
import { replicaModeFromProto, replicaStateFromProto } from '../../../common/convert/replicas.js';
import type { Controller } from '../../../proto/gen/slipstream/v1/controllers.js';
import { formatTime, type Column } from '../output.js';

/** A replica for output; mode and state as the controller stores them (`ha`, `serving`). */
export interface ControllerView {
  id: string;
  /** The replica that answered the listing. */
  self: boolean;
  host: string;
  pid: number;
  address: string;
  agentAddress: string;
  version: string;
  mode: string;
  state: string;
  runsOwned: number;
  agentsConnected: number;
  leaseMs: number;
  startedAt: string;
  heartbeatAt: string;
  /** How long ago the last heartbeat was, when listed ('2s ago'). */
  heartbeatAge: string;
}

/** Wire replica -> output shape; `now` dates the heartbeat's age. */
export function controllerView(c: Controller, now: Date): ControllerView {
  return {
    id: c.id,
    self: c.self,
    host: c.host,
    pid: c.pid,
    address: c.address,
    agentAddress: c.agentAddress,
    version: c.version,
    mode: replicaModeFromProto(c.mode) ?? 'unknown',
    state: replicaStateFromProto(c.state) ?? 'unknown',
    runsOwned: c.runsOwned,
    agentsConnected: c.agentsConnected,
    leaseMs: c.leaseMs,
    startedAt: formatTime(c.startedAt),
    heartbeatAt: formatTime(c.heartbeatAt),
    heartbeatAge: c.heartbeatAt ? formatAge(now.getTime() - c.heartbeatAt.getTime()) : '',
  };
}

/** An age in its largest whole unit: `0s ago`, `42s ago`, `5m ago`, `3h ago`, `2d ago` (a clock ahead counts as 0). */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** Enough of a UUID to tell replicas apart, as `git log --oneline` shortens commits. */
const SHORT_ID = 8;

export const CONTROLLER_COLUMNS: Column<ControllerView>[] = [
  { header: 'id', value: (c) => `${c.id.slice(0, SHORT_ID)}${c.self ? ' *' : ''}` },
  { header: 'address', value: (c) => c.address },
  { header: 'version', value: (c) => c.version },
  { header: 'mode', value: (c) => c.mode },
  { header: 'state', value: (c) => c.state },
  { header: 'runs', value: (c) => String(c.runsOwned) },
  { header: 'agents', value: (c) => String(c.agentsConnected) },
  { header: 'heartbeat', value: (c) => c.heartbeatAge },
];
