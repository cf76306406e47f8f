/**
 * Controller replicas (issue 19), as `--ha` processes on PostgreSQL with the
 * `sim` agents in a pool of this process: takeover after a SIGKILL, then
 * propagation of API sets across replicas (on the survivors, with the
 * taken-over fleet still connected), then the large deploy on one replica
 * and on three.
 */
import { startBenchReplicas, startReplicaPool } from '../lib/bench-replicas.js';
import type { BenchContext } from '../lib/context.js';
import { replicaPropagation } from './replica-propagation.js';
import { replicaScaleOut } from './replica-scale-out.js';
import { replicaTakeover } from './replica-takeover.js';

export interface ReplicaSizes {
  takeover: { runs: number; agentsPerRun: number };
  /** Sets each way (through the owner, through another replica). */
  samples: number;
  /** Skipped when undefined (the quick run). */
  scaleOut?: { runs: number; perRun: number };
  workers: number;
  modules: { samples: number; throughputRounds: number };
}

export async function replicas(ctx: BenchContext, sizes: ReplicaSizes): Promise<void> {
  const agents = await startReplicaPool(sizes.workers);
  try {
    // The victim joins later (the takeover adds it): two replicas to start with.
    const survivors = await startBenchReplicas(agents, 2, sizes.modules);
    try {
      await replicaTakeover(ctx, survivors, agents, sizes.takeover);
      await replicaPropagation(ctx, survivors, agents, sizes.samples);
    } finally {
      await survivors.stop();
    }
    if (sizes.scaleOut) await replicaScaleOut(ctx, agents, sizes.modules, sizes.scaleOut);
  } finally {
    const logs = await agents.pool.agentLogs().catch(() => []);
    for (const kind of logs.slice(0, 5)) ctx.log(`replica sim agents: ${kind.count} x ${kind.level} '${kind.msg}': ${kind.first}`);
    await agents.close();
  }
}
