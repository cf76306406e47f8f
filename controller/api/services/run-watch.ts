import type * as pb from '../../../proto/gen/slipstream/v1/runs.js';
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { secretKeyTest, type SecretKeyTest } from '../../domain/runs/secret-parameters.js';
import { isFinal } from '../../../common/runs/states.js';
import type { RunState } from '../../../common/runs/states.js';
import type { JournalView, RunChange } from '../../scheduler/run-bus.js';
import { journalView } from '../../scheduler/run-engine.js';
import type { RpcContext } from '../rpc.js';
import { logLineToProto, runEventToProto } from '../convert/runs.js';
import { stateChangeOf } from '../../store/journal-state-change.js';
import { runStateFromProto, runStateToProto } from '../../../common/convert/runs.js';
import type { RunServiceDeps } from './run-service.js';
import { InvalidArgumentError } from '../../../common/errors.js';
import { NODE_NAME_PATTERN } from '../../../common/modules/limits.js';
import { runView } from './run-views.js';

/** `node.N`: a node name and an instance number (1 to 999999), as run parameter keys name instances. */
export function isInstanceName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && NODE_NAME_PATTERN.test(name.slice(0, dot)) && /^[1-9]\d{0,5}$/.test(name.slice(dot + 1));
}

type WatchContext = RpcContext & { write: (m: pb.WatchRunResponse) => Promise<void>; signal: AbortSignal };

/** Which log lines a watch sends: none, or all, or one instance's. */
interface LogSelection {
  includeLogs: boolean;
  /** Empty: every instance's. */
  logInstance: string;
}

/** A journal entry as a watch update; a parameter entry's text is already masked for secrets (parameter-writer), `isSecret` flags them. */
function toUpdate(runId: string, entry: JournalView, logs: LogSelection, isSecret: SecretKeyTest): pb.WatchRunResponse | undefined {
  const base = { sequence: entry.sequence, time: entry.time };
  if (entry.kind === 'log') {
    const wanted = logs.includeLogs && (logs.logInstance === '' || entry.instance === logs.logInstance);
    return wanted ? { ...base, update: { $case: 'logLine', value: logLineToProto(runId, entry) } } : undefined;
  }
  if (entry.kind === 'parameter') {
    return {
      ...base,
      update: {
        $case: 'parameterChanged',
        value: { key: entry.subject, value: entry.text, set: true, secret: isSecret(entry.subject), description: '', updatedAt: entry.time },
      },
    };
  }
  const change = stateChangeOf(entry);
  if (change) {
    return { ...base, update: { $case: 'stateChanged', value: { from: runStateToProto(change.from), to: runStateToProto(change.to), abortMessage: '' } } };
  }
  return { ...base, update: { $case: 'event', value: runEventToProto(entry) } };
}

/** Checks a WatchRun request's own fields (the run is looked up after): a bad `log_instance` is a field violation. */
export function validateWatchRun(req: pb.WatchRunRequest): void {
  if (req.logInstance !== '' && !isInstanceName(req.logInstance)) {
    throw new InvalidArgumentError([{ field: 'log_instance', description: 'must be an instance name: node.N, e.g. web.1' }]);
  }
}

/**
 * Streams a run: a snapshot, every journal entry after `after_sequence` from
 * the database, `caught_up`, then live entries as they commit (subscribed before the
 * replay, so nothing falls in between), a snapshot at each state change, and
 * ends after the run reaches a final state.
 */
export async function watchRun(deps: RunServiceDeps, ctx: WatchContext, req: pb.WatchRunRequest): Promise<void> {
  const live: RunChange[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = deps.bus.subscribe(req.id, (change) => {
    live.push(change);
    wake?.();
  });
  const onAbort = () => wake?.();
  ctx.signal.addEventListener('abort', onAbort);
  // From the first snapshot, sent before any update (a run's plan never changes); until then every key counts as a secret.
  let secretKeys: SecretKeyTest | undefined;
  const isSecret: SecretKeyTest = (key) => secretKeys?.(key) ?? true;
  try {
    // On a replica, what other replicas commit is heard from the feed's starting point on: the replay below must read past it.
    await deps.bus.listening(req.id);
    const snapshot = async () => {
      const run = await ctx.store.read(async (repos) => {
        const row = (await repos.runs.findById(req.id))!;
        secretKeys ??= secretKeyTest(JSON.parse(row.plan) as ResolvedPlan);
        return runView(repos, deps.hub, row);
      });
      await ctx.write({ sequence: 0, time: new Date(), update: { $case: 'snapshot', value: run } });
      return run;
    };
    let last = req.afterSequence;
    let run = await snapshot();
    for (;;) {
      const rows = await ctx.store.read((repos) => repos.journal.entries(req.id, last, ['event', 'parameter', 'log'], 1000));
      for (const row of rows) {
        const update = toUpdate(req.id, journalView(row), req, isSecret);
        if (update) await ctx.write(update);
        last = row.sequence;
      }
      // A watch cancelled during the replay reads no more pages (its writes return at once, unsent).
      if (rows.length < 1000 || ctx.signal.aborted) break;
    }
    // The last replayed sequence, even of a line filtered out: a stream opened after it starts where this one goes live.
    await ctx.write({ sequence: last, time: new Date(), update: { $case: 'caughtUp', value: true } });
    for (;;) {
      if (ctx.signal.aborted) return;
      if (isFinal(stateOf(run))) {
        const rows = await ctx.store.read((repos) => repos.journal.entries(req.id, last, ['event', 'parameter', 'log'], 10_000));
        for (const row of rows) {
          const update = toUpdate(req.id, journalView(row), req, isSecret);
          if (update) await ctx.write(update);
        }
        return;
      }
      if (live.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      for (const change of live.splice(0)) {
        if (change.kind === 'journal') {
          for (const entry of change.entries) {
            if (entry.sequence <= last) continue;
            const update = toUpdate(req.id, entry, req, isSecret);
            if (update) await ctx.write(update);
            last = entry.sequence;
          }
        } else if (change.kind === 'state') {
          run = await snapshot();
        }
      }
    }
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function stateOf(run: pb.Run): RunState {
  return runStateFromProto(run.state) ?? 'Initializing';
}
