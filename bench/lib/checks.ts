/**
 * The bench's data checks: what the agents were told was stored must be in
 * the database. An acknowledged set's value (the last acknowledged per key)
 * is the stored value; every instance completed what its agent completed;
 * no agent ran a phase twice or gave up.
 */
import type pg from 'pg';
import type { SimAgentRecord } from '../../controller/connectors/sim/sim-protocol.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';

const STATE_NAMES: Record<number, string> = {
  [RunState.RUN_STATE_PROVISIONING]: 'Provisioning',
  [RunState.RUN_STATE_EXECUTING]: 'Executing',
  [RunState.RUN_STATE_SENDING_REPORTS]: 'SendingReports',
};

/** Problems found, one line each (empty when everything acknowledged is stored). */
export async function checkAcknowledged(db: pg.Client, runId: string, records: readonly SimAgentRecord[]): Promise<string[]> {
  const problems: string[] = [];
  const params = await db.query<{ key: string; value: string | null }>('select key, value from run_parameters where run_id = $1', [runId]);
  const stored = new Map(params.rows.map((r) => [r.key, r.value]));
  const instances = await db.query<{ name: string; completed_state: string | null; completed_epoch: number }>(
    'select name, completed_state, completed_epoch from run_instances where run_id = $1',
    [runId],
  );
  const completed = new Map(instances.rows.map((r) => [r.name, `${r.completed_state}@${r.completed_epoch}`]));
  for (const record of records) {
    const instance = record.tags.instance;
    for (const [key, value] of Object.entries(record.stats.lastAcked)) {
      const actual = stored.get(`${instance}:${key}`);
      if (actual !== value) problems.push(`${instance}:${key}: acknowledged '${value}', stored '${actual}'`);
    }
    const last = record.events.filter((e) => e[0] === 'state-completed').at(-1);
    if (last && STATE_NAMES[last[1]] && completed.get(instance) !== `${STATE_NAMES[last[1]]}@${last[2]}`) {
      problems.push(`${instance}: completed ${STATE_NAMES[last[1]]}@${last[2]}, stored ${completed.get(instance)}`);
    }
    const phases = record.events.filter((e) => e[0] === 'phase-started').map((e) => `${e[1]}@${e[2]}`);
    if (new Set(phases).size !== phases.length) problems.push(`${instance}: a phase ran twice (${phases.join(', ')})`);
    if (record.exit?.startsWith('fatal')) problems.push(`${instance}: agent gave up: ${record.exit}`);
    if (record.stats.failure) problems.push(`${instance}: recipe failed: ${record.stats.failure}`);
  }
  return problems;
}
