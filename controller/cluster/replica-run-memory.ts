import type { RunEngine } from '../scheduler/run-engine.js';
import type { RunRemnants } from '../scheduler/run-deletion.js';
import type { RunLeases } from './run-leases.js';

/**
 * What this replica keeps in memory of runs, as remnants that deleting a run
 * removes: the leases it holds (a final run stays held) and the engine's
 * caches. A run another replica deleted is found by the retention sweep.
 */
export function replicaRunMemory(leases: Pick<RunLeases, 'remembered' | 'forget'>, engine: Pick<RunEngine, 'remembered' | 'forget'>): RunRemnants {
  return {
    name: 'run memory',
    runIds: async () => [...new Set([...leases.remembered(), ...engine.remembered()])],
    remove: async (runIds) => {
      for (const runId of runIds) engine.forget(runId);
      leases.forget(runIds);
    },
  };
}
