import { FINAL_STATES } from '../../common/runs/states.js';
import type { Store } from './store.js';

/**
 * Runs in the database by state, every replica's: one grouped statement
 * (the index on `runs.state` answers it).
 */
export async function countRunsByState(store: Store): Promise<Map<string, number>> {
  const rows = await store.execute<{ state: string; count: number | string }>('select state, count(*) as count from runs group by state');
  return new Map(rows.map((row) => [row.state, Number(row.count)]));
}

/**
 * Instances of live runs (not final) by their VM's lifecycle, every
 * replica's: one grouped statement. Finished runs' instances are left out:
 * they only accumulate, and say nothing of what runs now.
 */
export async function countLiveInstancesByVm(store: Store): Promise<Map<string, number>> {
  const finals = FINAL_STATES.map(() => '?').join(', ');
  const rows = await store.execute<{ vm: string; count: number | string }>(
    `select i.vm as vm, count(*) as count from run_instances i join runs r on r.id = i.run_id where r.state not in (${finals}) group by i.vm`,
    [...FINAL_STATES],
  );
  return new Map(rows.map((row) => [row.vm, Number(row.count)]));
}
