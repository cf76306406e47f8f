/**
 * The statements of run ownership on PostgreSQL (HA mode), on the
 * database's clock so that hosts' clocks do not matter. `?` placeholders.
 */
import { FINAL_STATES } from '../../common/runs/states.js';

const LIVE_RUN = `state not in (${FINAL_STATES.map((s) => `'${s}'`).join(', ')})`;
/** A replica row that still holds what it holds. */
export const HOLDING_STATES = `('starting', 'serving', 'stopping')`;
const FRESH = `heartbeat_at > now() - (lease_ms * interval '1 millisecond')`;

/** ? holder. The live runs the database gives this replica. */
export const ASSIGNED_RUNS = `select id, lease_epoch from runs where lease_holder = ? and ${LIVE_RUN}`;

/** Live runs nobody can drive: no holder, or a holder that stopped or was declared gone; bound to nothing or to ? host key. */
const ORPHAN = `runs.${LIVE_RUN} and (runs.lease_binding is null or runs.lease_binding = ?)
  and (runs.lease_holder is null or not exists (
    select 1 from controller_replicas c where c.id = runs.lease_holder and c.state in ${HOLDING_STATES}))`;

/** ? host key, ? host key again. How many orphans there are and how many replicas serve. */
export const ORPHAN_SHARE = `select
  (select count(*) from runs where ${ORPHAN}) as orphans,
  (select count(*) from controller_replicas where state = 'serving' and ${FRESH}) as serving`;

/**
 * ? holder, ? host key, ? limit. Takes up to `limit` orphans, each with its
 * epoch bumped; rows another replica is taking at the same moment are
 * skipped, not waited for.
 */
export const TAKE_ORPHANS = `update runs set lease_holder = ?, lease_epoch = lease_epoch + 1
  where id in (select id from runs where ${ORPHAN} order by created_at limit ? for update skip locked)
  returning id, lease_epoch`;

/** ? holder. A stopping replica gives its live runs back (epoch bumped): the others take them at once. */
export const HAND_BACK = `update runs set lease_holder = null, lease_epoch = lease_epoch + 1
  where lease_holder = ? and ${LIVE_RUN} returning id`;

/** The serving replica with the fewest live runs (ties broken at random): where a new run goes. */
export const LEAST_LOADED = `select c.id from controller_replicas c
  where c.state = 'serving' and c.${FRESH}
  order by (select count(*) from runs r where r.lease_holder = c.id and r.${LIVE_RUN}), random()
  limit 1`;

/**
 * ? run id. The replica holding a run, with where its agents dial, when it
 * heartbeated within half its lease (it heartbeats every quarter): one that
 * missed two heartbeats is likely dead, and sending agents there would only
 * send them through a refused connection and its backoff while the takeover
 * is under way; they are told no replica drives the run yet and ask again.
 */
export const HOLDER_OF = `select c.id, c.agent_address from runs r join controller_replicas c on c.id = r.lease_holder
  where r.id = ? and c.state in ${HOLDING_STATES} and c.heartbeat_at > now() - (c.lease_ms * interval '1 millisecond') / 2`;

/** ? host key, ? run id. Binds a run to a host's replicas (once: a bound run keeps its binding). */
export const BIND_TO_HOST = `update runs set lease_binding = ? where id = ? and lease_binding is null`;

/** ? own id. Replicas whose heartbeat is older than their lease: declared gone, which frees their runs. */
export const EXPIRE_DEAD = `update controller_replicas set state = 'gone'
  where id <> ? and state in ${HOLDING_STATES} and not (${FRESH}) returning id, host, pid`;

/** Single mode, both databases. ? holder. */
export const CLAIM_ALL = `update runs set lease_holder = ?, lease_epoch = ? where ${LIVE_RUN}`;

/** Single mode: the epoch a lone controller's writes carry, newer than any a run was written with before. */
export const NEXT_EPOCH = `select coalesce(max(lease_epoch), 0) + 1 as next from runs`;

/** ? runs owned, ? agents, ? id. A heartbeat; no row when this replica was declared gone. */
export const HEARTBEAT = `update controller_replicas set heartbeat_at = now(), runs_owned = ?, agents_connected = ?
  where id = ? and state in ${HOLDING_STATES} returning id`;

/** ? id. A replica declared gone while it was alive (paused, cut off) comes back, holding nothing but what is still its. */
export const REVIVE = `update controller_replicas set state = 'serving', heartbeat_at = now() where id = ? and state = 'gone'`;
