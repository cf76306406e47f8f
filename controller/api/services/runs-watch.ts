import type * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import type { RunState } from '../../../common/runs/states.js';
import type { RunActivityKind } from '../../scheduler/run-bus.js';
import type { RunFilter } from '../../store/repositories/runs.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { RunRow } from '../../store/entities/run.js';
import { MAX_PAGE_SIZE } from '../../store/repositories/paging.js';
import type { RpcContext } from '../rpc.js';
import { LatestThrottle } from './latest-throttle.js';
import { matchesRunFilter } from './run-list-filter.js';
import type { RunServiceDeps } from './run-service.js';
import { runView } from './run-views.js';

type WatchContext = RpcContext & { write: (m: pb.WatchRunsResponse) => Promise<void>; signal: AbortSignal };

/** A run is sent again at most this often, in its latest version (a large run changes many times a second). */
export const RUN_RESEND_INTERVAL_MS = 250;

/** Changes a listed Run shows (journal entries alone, log lines and events, do not change it). */
const LISTED_KINDS: ReadonlySet<RunActivityKind> = new Set(['state', 'instances', 'parameters', 'deleted']);

/** Other tenants' runs remembered as such (a run's tenant never changes); past this many the memory starts over. */
const FOREIGN_RUNS_KEPT = 10_000;

/** What a WatchRuns request asks for, validated (watchRunsRequest). */
type WatchRunsWork = { filter: RunFilter; limit: number };

/**
 * Streams the tenant's runs: the current ones matching the filter (newest
 * first, at most `limit`), `synced`, then each run again whenever it changes
 * (coalesced: at most every RUN_RESEND_INTERVAL_MS) and `removed` when it is
 * deleted or leaves the filter. Subscribed to the bus before the listing, so
 * no change falls in between; changes of other replicas come through the
 * bus's tap (RunFeed) on PostgreSQL. Ends when the call is cancelled or the
 * server shuts down.
 */
export async function watchRuns(deps: RunServiceDeps, ctx: WatchContext, work: WatchRunsWork): Promise<void> {
  const tenantId = ctx.principal.tenantId;
  const throttle = new LatestThrottle(RUN_RESEND_INTERVAL_MS);
  /** Runs the client holds: sent, and not removed since. */
  const shown = new Set<string>();
  const foreign = new Set<string>();
  let relist = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const unsubscribe = deps.bus.subscribeActivity({
    changed: (runId, kinds) => {
      if (foreign.has(runId) || !kinds.some((k) => LISTED_KINDS.has(k))) return;
      throttle.mark(runId);
      poke();
    },
    mayHaveMissed: () => {
      relist = true;
      poke();
    },
  });
  ctx.signal.addEventListener('abort', poke);
  try {
    const current = await currentRuns(ctx, work, (repos, row) => runView(repos, deps.hub, row, { withoutWarnings: true }));
    for (const run of current) {
      await ctx.write({ update: { $case: 'run', value: run } });
      shown.add(run.id);
    }
    await ctx.write({ update: { $case: 'synced', value: true } });
    for (;;) {
      if (ctx.signal.aborted) return;
      if (relist) {
        relist = false;
        // What the client holds may have changed or gone, and runs may have come: all of them are read again.
        for (const runId of shown) throttle.mark(runId);
        for (const runId of await currentRuns(ctx, work, async (_repos, row) => row.id)) throttle.mark(runId);
        continue;
      }
      const { due, nextAt } = throttle.take(Date.now());
      if (due.length === 0) {
        await sleepUntil(nextAt, (resume) => (wake = resume));
        continue;
      }
      const runs = await ctx.store.read((repos) => readListed(repos, deps, tenantId, work.filter, due, foreign));
      for (const runId of due) {
        const run = runs.get(runId);
        if (run) {
          await ctx.write({ update: { $case: 'run', value: run } });
          shown.add(runId);
        } else if (shown.delete(runId)) {
          await ctx.write({ update: { $case: 'removed', value: runId } });
        }
      }
    }
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener('abort', poke);
  }
}

/** Each of the tenant's runs matching the filter, newest first, at most `limit`, read through ListRuns' pages as `each` makes it. */
async function currentRuns<T>(ctx: WatchContext, work: WatchRunsWork, each: (repos: Repositories, row: RunRow) => Promise<T>): Promise<T[]> {
  const runs: T[] = [];
  let pageToken = '';
  do {
    const size = Math.min(work.limit - runs.length, MAX_PAGE_SIZE);
    pageToken = await ctx.store.read(async (repos) => {
      const page = await repos.runs.list(ctx.principal.tenantId, work.filter, size, pageToken);
      for (const row of page.rows) runs.push(await each(repos, row));
      return page.next;
    });
  } while (pageToken !== '' && runs.length < work.limit && !ctx.signal.aborted);
  return runs;
}

/**
 * Of these runs, those of the tenant that match the filter, as ListRuns
 * shows them; the others (deleted, left the filter) are absent. Other
 * tenants' runs are noted in `foreign`, so their changes are not read again.
 */
async function readListed(
  repos: Repositories,
  deps: RunServiceDeps,
  tenantId: string,
  filter: RunFilter,
  runIds: readonly string[],
  foreign: Set<string>,
): Promise<Map<string, pb.Run>> {
  const listed = new Map<string, pb.Run>();
  const tags = await repos.runs.tags(runIds);
  for (const runId of runIds) {
    const row = await repos.runs.findById(runId);
    if (!row) continue;
    if (row.tenant !== tenantId) {
      if (foreign.size >= FOREIGN_RUNS_KEPT) foreign.clear();
      foreign.add(runId);
      continue;
    }
    if (!matchesRunFilter({ state: row.state as RunState, modulePath: row.modulePath, tags: tags.get(runId) ?? [] }, filter)) continue;
    listed.set(runId, await runView(repos, deps.hub, row, { withoutWarnings: true }));
  }
  return listed;
}

/** Waits for `wake` (given to `park`), or until `at` (epoch ms) when there is one. */
async function sleepUntil(at: number | undefined, park: (resume: () => void) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    park(resolve);
    if (at !== undefined) timer = setTimeout(resolve, Math.max(0, at - Date.now()));
  });
  clearTimeout(timer);
}
