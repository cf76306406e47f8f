/**
 * The heartbeat interval the controller gives an agent in its welcome: the
 * more agents connected, the longer, so that their heartbeats together stay
 * near MAX_HEARTBEATS_PER_SECOND (Nomad scales its clients' heartbeat TTL
 * the same way). Nothing waits on a heartbeat (gRPC keepalive finds a dead
 * connection), and each costs both ends: with 10,000 idle sim agents
 * heartbeating every 5 s, the controller used 6.5-8.5% of a core, with this
 * interval 1-3%.
 *
 * The interval doubles from MIN_HEARTBEAT_INTERVAL_MS rather than growing
 * smoothly: the agents then share a few intervals, and a process hosting
 * many of them (the `sim` driver's workers) fires their timers together. An
 * interval grown agent by agent (5-25 s at 5,000 agents, 505 heartbeats a
 * second) cost the controller as much as 1,000 a second at 5 s, or more.
 */
export const MIN_HEARTBEAT_INTERVAL_MS = 5_000;
export const MAX_HEARTBEAT_INTERVAL_MS = 60_000;
export const MAX_HEARTBEATS_PER_SECOND = 200;

/** The interval for an agent welcomed while `connectedAgents` sessions (its own included) are connected. */
export function heartbeatIntervalMs(connectedAgents: number): number {
  let interval = MIN_HEARTBEAT_INTERVAL_MS;
  while (interval < MAX_HEARTBEAT_INTERVAL_MS && (connectedAgents * 1_000) / interval > MAX_HEARTBEATS_PER_SECOND) interval *= 2;
  return Math.min(interval, MAX_HEARTBEAT_INTERVAL_MS);
}
