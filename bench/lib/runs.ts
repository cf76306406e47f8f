/** Launching runs and watching them through the database the controller writes (cheap at 10,000 instances). */
import type pg from 'pg';
import type { SlipstreamClient } from '../../client/index.js';
import type { KeepRunning } from '../../common/runs/states.js';
import { stateChangeOf } from '../../controller/store/journal-state-change.js';

const FINAL = ['Done', 'Aborted', 'Cancelled'];

export async function launch(client: SlipstreamClient, module: string, multiplicities: Record<string, number>, keepRunning: KeepRunning = 'always'): Promise<string> {
  const run = await client.runs.launch({ module, multiplicities, keepRunning, defaultCloud: 'sim', timeoutMinutes: 30, timeoutMs: 300_000 });
  return run.id;
}

export async function runState(db: pg.Client, runId: string): Promise<{ state: string; abortMessage: string | null }> {
  const { rows } = await db.query<{ state: string; abort_message: string | null }>('select state, abort_message from runs where id = $1', [runId]);
  return { state: rows[0]?.state ?? 'missing', abortMessage: rows[0]?.abort_message ?? null };
}

/** Polls until the run is in `state`; throws on a final state or the deadline. */
export async function waitForState(db: pg.Client, runId: string, state: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await runState(db, runId);
    if (now.state === state) return;
    if (FINAL.includes(now.state)) throw new Error(`run ${runId} ended ${now.state}${now.abortMessage ? `: ${now.abortMessage}` : ''}`);
    if (Date.now() > deadline) throw new Error(`run ${runId} not ${state} within ${timeoutMs} ms (still ${now.state}${now.abortMessage ? `, abort: ${now.abortMessage}` : ''})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** When the run was created and when it entered each state (from its journal). */
export async function stateTimes(db: pg.Client, runId: string): Promise<{ createdAt: number; entered: Map<string, number> }> {
  const run = await db.query<{ created_at: Date }>('select created_at from runs where id = $1', [runId]);
  const events = await db.query<{ time: Date; kind: string; type: string; subject: string; text: string }>(
    `select time, kind, type, subject, text from run_journal where run_id = $1 and kind = 'event' and type = 'state' order by sequence`,
    [runId],
  );
  const entered = new Map<string, number>();
  for (const e of events.rows) {
    const to = stateChangeOf(e)?.to;
    if (to && !entered.has(to)) entered.set(to, e.time.getTime());
  }
  return { createdAt: run.rows[0]!.created_at.getTime(), entered };
}

/** Terminates the run and waits until the pool holds none of its VMs. */
export async function terminateAndDrain(client: SlipstreamClient, db: pg.Client, pool: { list(): { tags: { runId: string } }[] }, runId: string, timeoutMs: number): Promise<void> {
  await client.runs.terminate(runId, { timeoutMs: 300_000 });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { state } = await runState(db, runId);
    if (FINAL.includes(state) && !pool.list().some((vm) => vm.tags.runId === runId)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} not terminated with its VMs gone within ${timeoutMs} ms`);
}
