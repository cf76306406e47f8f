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
import { runView } from './run-views.js';

type WatchContext = RpcContext & { write: (m: pb.WatchRunResponse) => Promise<void>; signal: AbortSignal };

/** A journal entry as a watch update; a parameter entry's text is already masked for secrets (parameter-writer), `isSecret` flags them. */
function toUpdate(runId: string, entry: JournalView, includeLogs: boolean, isSecret: SecretKeyTest): pb.WatchRunResponse | undefined {
  const base = { sequence: entry.sequence, time: entry.time };
  if (entry.kind === 'log') return includeLogs ? { ...base, update: { $case: 'logLine', value: logLineToProto(runId, entry) } } : undefined;
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

/**
 * Streams a run: a snapshot, every journal entry after `after_sequence` from
 * the database, then live entries as they commit (subscribed before the
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
        const update = toUpdate(req.id, journalView(row), req.includeLogs, isSecret);
        if (update) await ctx.write(update);
        last = row.sequence;
      }
      // A watch cancelled during the replay reads no more pages (its writes return at once, unsent).
      if (rows.length < 1000 || ctx.signal.aborted) break;
    }
    for (;;) {
      if (ctx.signal.aborted) return;
      if (isFinal(stateOf(run))) {
        const rows = await ctx.store.read((repos) => repos.journal.entries(req.id, last, ['event', 'parameter', 'log'], 10_000));
        for (const row of rows) {
          const update = toUpdate(req.id, journalView(row), req.includeLogs, isSecret);
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
            const update = toUpdate(req.id, entry, req.includeLogs, isSecret);
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
