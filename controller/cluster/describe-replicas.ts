import type { Store } from '../store/store.js';

/** The live controllers on the database, for a refusal to start that names them. */
export async function describeLiveReplicas(store: Store): Promise<string> {
  const live = await store.read((repos) => repos.replicas.live());
  return live
    .map((r) => `pid ${r.pid} on host ${r.host}, serving ${r.address}, ${r.mode === 'ha' ? 'in HA mode' : 'alone (no --ha)'}, started ${r.startedAt.toISOString()}`)
    .join('; ');
}
